import http from '../node-http.js';

export interface JsonAnswer {
  status: number;
  /** The answer's JSON, or {} when it is none. */
  body: unknown;
}

/**
 * One JSON request to the daemon on 127.0.0.1, with Node's own `http`. Not `fetch`:
 * the CLI's time is mostly its start, and the first `fetch` loads undici — about a
 * seventh of `vigil status` (issue 18's history bench). Rejects when the daemon cannot
 * be reached or does not answer within `timeoutMs`.
 */
export function requestJson(url: string, options: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number }): Promise<JsonAnswer> {
  return new Promise((resolve, reject) => {
    const headers = options.body === undefined ? options.headers : { ...options.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(options.body)) };
    const req = http.request(url, { method: options.method, headers, timeout: options.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        let body: unknown = {};
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          // Not JSON: the caller reports the status.
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(options.body);
  });
}
