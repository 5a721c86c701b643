import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { deliveryKind, filterReason, repositoryOf } from '../../src/triggers/webhooks/classify.js';

/**
 * A delivery's kind is what rules (`on`) and the log name it by; its filter reason is
 * why it does not reach the initiative (stored and logged all the same). The edges of
 * both, on payloads a sender shapes as it likes.
 */
const filter = (github: Record<string, unknown>) => parseConfig({ github }).github;

describe('deliveryKind', () => {
  it('is github.<event>.<action>, or github.<event> when the action is absent, empty or not a string', () => {
    expect(deliveryKind('issues', { action: 'opened' })).toBe('github.issues.opened');
    expect(deliveryKind('push', { ref: 'refs/heads/main' })).toBe('github.push');
    expect(deliveryKind('issues', { action: '' })).toBe('github.issues');
    expect(deliveryKind('issues', { action: 7 })).toBe('github.issues');
    expect(deliveryKind('issues', null)).toBe('github.issues');
  });
});

describe('repositoryOf', () => {
  it('is repository.full_name when it is a string', () => {
    expect(repositoryOf({ repository: { full_name: 'octo/app' } })).toBe('octo/app');
    expect(repositoryOf({ repository: { full_name: 42 } })).toBeUndefined();
    expect(repositoryOf({ repository: null })).toBeUndefined();
    expect(repositoryOf(null)).toBeUndefined();
  });
});

describe('filterReason', () => {
  const issue = { action: 'opened', repository: { full_name: 'octo/app' } };

  it('a ping is always filtered: GitHub checking the hook, not an event', () => {
    expect(filterReason(filter({ events: ['*'], repos: ['*/*'] }), 'ping', { zen: 'x' })).toBe('ping: GitHub checking the hook');
  });

  it('an event pattern matches the event or event.action; the reason names the most precise name', () => {
    expect(filterReason(filter({ events: ['issues'] }), 'issues', issue)).toBeUndefined();
    expect(filterReason(filter({ events: ['issues.opened'] }), 'issues', issue)).toBeUndefined();
    expect(filterReason(filter({ events: ['issues.closed'] }), 'issues', issue)).toBe('event issues.opened is not in github.events');
    // No action (or not a string): the event alone is named, and `push.*` cannot match it.
    expect(filterReason(filter({ events: ['push.*'] }), 'push', { ref: 'x' })).toBe('event push is not in github.events');
    expect(filterReason(filter({ events: ['issues.7'] }), 'issues', { action: 7 })).toBe('event issues is not in github.events');
  });

  it('github.repos filters a repository outside it, and leaves alone an event of no repository', () => {
    const repos = filter({ events: ['*'], repos: ['octo/*'] });
    expect(filterReason(repos, 'issues', issue)).toBeUndefined();
    expect(filterReason(repos, 'issues', { ...issue, repository: { full_name: 'someone/else' } })).toBe('repository someone/else is not in github.repos');
    expect(filterReason(repos, 'organization', { action: 'member_added', organization: { login: 'someone' } })).toBeUndefined();
  });
});
