/** GitHub sends `application/json`, or a form with the JSON in its `payload` field. */
export function parsePayload(body: string, contentType: string | undefined): { text: string; value: unknown } | undefined {
  const text = contentType?.startsWith('application/x-www-form-urlencoded')
    ? (new URLSearchParams(body).get('payload') ?? '')
    : body;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? { text, value } : undefined;
  } catch {
    return undefined;
  }
}
