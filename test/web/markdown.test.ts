import { describe, expect, it } from 'vitest';
import { inlineHtml, markdownHtml, safeHref } from '../../src/web/markdown.js';
import { readableSnippet } from '../../src/web/memory.js';

// Memory text comes partly from third parties: nothing in it may become markup (issue 17).

describe('markdownHtml', () => {
  it('draws headings, nested bullets, code, bold and http(s) links; topic links go to their page', () => {
    const html = markdownHtml('# octo/app\n\n- The CI command is `npm test`.\n  - source: **log**\n- See [the docs](https://example.com/docs?a=1&b=2) and [x](topics/octo-app.md)');
    expect(html).toBe(
      '<h3>octo/app</h3><ul><li>The CI command is <code>npm test</code>.<ul><li>source: <strong>log</strong></li></ul></li><li>See <a href="https://example.com/docs?a=1&amp;b=2" rel="noopener noreferrer nofollow" target="_blank">the docs</a> and <a href="/memory?topic=octo-app">x</a></li></ul>',
    );
  });

  it('never lets raw HTML, event handlers or script links through', () => {
    const hostile = [
      '- <script>alert(1)</script>',
      '- <img src=x onerror="alert(2)">',
      '- [click me](javascript:alert(3))',
      '- [data](data:text/html,<script>alert(4)</script>)',
      '- [quote](https://example.com/"onmouseover="alert(5))',
      '- `</code><script>alert(6)</script>`',
      '<iframe src="https://evil.example"></iframe>',
    ].join('\n');
    const html = markdownHtml(hostile);
    expect(html).not.toMatch(/<(script|img|iframe)/i);
    expect(html).not.toMatch(/href="(javascript|data):/i);
    expect(html).not.toMatch(/<a [^>]*onmouseover/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('[click me](javascript:alert(3))');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(2)&quot;&gt;');
  });

  it('links only http and https', () => {
    expect(safeHref('https://github.com/octo/app')).toBe('https://github.com/octo/app');
    expect(safeHref('javascript:alert(1)')).toBeUndefined();
    expect(safeHref('JAVASCRIPT:alert(1)')).toBeUndefined();
    expect(safeHref('//evil.example/x')).toBeUndefined();
    expect(safeHref('topics/../secrets.md')).toBeUndefined();
    expect(inlineHtml('see https://example.com/x.')).toBe('see <a href="https://example.com/x." rel="noopener noreferrer nofollow" target="_blank">https://example.com/x.</a>');
  });
});

describe('readableSnippet', () => {
  it('drops GraphQL node ids and avatar hashes from a search snippet, keeping the words', () => {
    expect(readableSnippet('github.issues.opened · github · opened · I_kwDOAbCdEf5xYz12 · [parser] crashes · MDU6SXNzdWUx · ada')).toBe(
      'github.issues.opened · github · opened · [parser] crashes · ada',
    );
  });
});
