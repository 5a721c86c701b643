/**
 * Third-party text (an issue title, a comment) must not ping anyone or render as markup
 * in the owner's chat. Each function escapes what its service reads as markup.
 */

/** Slack mrkdwn: `&`, `<`, `>` are its control characters (`<!channel>`, `<@U123>`, `<url|label>`). */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Discord markdown: every formatting character gets a backslash, so `**x**`, `[x](url)`,
 * `# heading`, `<@123>` and `@everyone` show as typed. Pings are also switched off per
 * message (`allowed_mentions: { parse: [] }`); this keeps them from even looking like one.
 */
export function discordEscape(text: string): string {
  return text.replace(/[\\*_~`|>#\-[\]()<:]/g, '\\$&').replace(/@/g, '@\u200b');
}
