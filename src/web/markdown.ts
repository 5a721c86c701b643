import { esc } from './html.js';

/**
 * Memory's markdown as HTML, safe by construction (issue 17). Memory text comes partly
 * from third parties (an issue's title becomes a fact), so nothing in it is ever markup:
 * every character is escaped, and only these shapes are drawn — `#` headings, `-`
 * bullets (nested by indentation), `` `code` ``, `**bold**`, and links whose target is
 * http(s) (opened with noopener, no referrer) or a topic file of memory itself (its page).
 * Any other link (`javascript:`, `data:`, a path) stays plain text; raw HTML shows as text.
 */

const TOPIC_LINK = /^(?:\.\/)?topics\/([a-z0-9][a-z0-9._-]{0,80})\.md$/i;
const WEB_LINK = /^https?:\/\/[^\s<>"'`]+$/i;
/** `code`, **bold**, [text](target), or a bare http(s) address: the only inline shapes. */
const INLINE = /`([^`\n]+)`|\*\*([^*\n]+)\*\*|\[([^\]\n]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>"'`)\]]+)/g;

/** Where a link may go from the dashboard, or undefined to leave it as text. */
export function safeHref(target: string): string | undefined {
  const topic = TOPIC_LINK.exec(target);
  if (topic) return `/memory?topic=${encodeURIComponent(topic[1]!)}`;
  if (!WEB_LINK.test(target)) return undefined;
  try {
    const url = new URL(target);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function link(href: string, text: string): string {
  const external = href.startsWith('http');
  return `<a href="${esc(href)}"${external ? ' rel="noopener noreferrer nofollow" target="_blank"' : ''}>${text}</a>`;
}

/** One line of text with its inline shapes drawn; everything else escaped. */
export function inlineHtml(text: string): string {
  let out = '';
  let at = 0;
  for (const m of text.matchAll(INLINE)) {
    out += esc(text.slice(at, m.index));
    at = m.index + m[0].length;
    const [whole, code, bold, label, target, bare] = m;
    if (code !== undefined) out += `<code>${esc(code)}</code>`;
    else if (bold !== undefined) out += `<strong>${esc(bold)}</strong>`;
    else if (label !== undefined) {
      const href = safeHref(target!);
      out += href ? link(href, esc(label)) : esc(whole);
    } else {
      const href = safeHref(bare!);
      out += href ? link(href, esc(bare)) : esc(bare);
    }
  }
  return out + esc(text.slice(at));
}

/** A markdown file as HTML: headings (shifted below the page's own), bullet lists, paragraphs. */
export function markdownHtml(text: string, headingBase = 2): string {
  const out: string[] = [];
  const open: number[] = [];
  const closeLists = (depth: number) => {
    while (open.length > depth) {
      open.pop();
      out.push('</li></ul>');
    }
  };
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length) out.push(`<p>${paragraph.map(inlineHtml).join('<br>')}</p>`);
    paragraph = [];
  };
  for (const line of text.split('\n')) {
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const bullet = /^(\s*)[-*]\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      closeLists(0);
      const level = Math.min(6, heading[1]!.length + headingBase);
      out.push(`<h${level}>${inlineHtml(heading[2]!)}</h${level}>`);
    } else if (bullet) {
      flush();
      const depth = Math.min(open.length + 1, Math.floor(bullet[1]!.length / 2) + 1);
      if (depth > open.length) {
        // Deeper: a new list inside the current item (never more than one level at a time).
        open.push(depth);
        out.push('<ul><li>');
      } else {
        closeLists(depth);
        out.push('</li><li>');
      }
      out.push(inlineHtml(bullet[2]!));
    } else if (line.trim() === '') {
      flush();
      closeLists(0);
    } else {
      closeLists(0);
      paragraph.push(line.trim());
    }
  }
  flush();
  closeLists(0);
  return out.join('');
}
