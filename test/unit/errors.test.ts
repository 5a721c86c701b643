import { describe, expect, it } from 'vitest';
import { ERRORS, EXIT, VigilError, errorText, isVigilError, type ErrorCode } from '../../src/errors.js';

const codes = Object.keys(ERRORS) as ErrorCode[];

describe('the error registry', () => {
  it('is not empty', () => {
    expect(codes.length).toBeGreaterThan(0);
  });

  it('every code starts with VIGIL_ERR_ and is upper snake case', () => {
    for (const code of codes) expect(code).toMatch(/^VIGIL_ERR_[A-Z0-9]+(_[A-Z0-9]+)*$/);
  });

  it('codes are unique, and so are their messages', () => {
    // Object keys cannot repeat; a case-insensitive repeat would still confuse readers.
    expect(new Set(codes.map((c) => c.toLowerCase())).size).toBe(codes.length);
    const messages = codes.map((c) => ERRORS[c].message);
    expect(new Set(messages).size).toBe(messages.length);
  });

  it('configuration errors carry exit code 78', () => {
    expect(EXIT.config).toBe(78);
    for (const code of ['VIGIL_ERR_CONFIG', 'VIGIL_ERR_CONFIG_JSON', 'VIGIL_ERR_SECRETS'] as const) {
      expect(ERRORS[code].exitCode, code).toBe(78);
      expect(new VigilError(code).exitCode, code).toBe(78);
    }
  });

  it('every exit code is one of EXIT, and only config-like errors use 78', () => {
    const known = new Set<number>(Object.values(EXIT));
    for (const code of codes) {
      expect(known.has(ERRORS[code].exitCode), code).toBe(true);
      if (ERRORS[code].exitCode === 78) expect(code, code).toMatch(/CONFIG|SECRETS|HOME|RUNTIME/);
    }
  });

  it('every code carries the HTTP status its routes answer with (docs/contract.md)', () => {
    for (const code of codes) expect(ERRORS[code].status, code).toBeGreaterThanOrEqual(400);
    const contract: Partial<Record<ErrorCode, number>> = {
      VIGIL_ERR_WEBHOOK_HEADERS: 400,
      VIGIL_ERR_WEBHOOK_BODY: 400,
      VIGIL_ERR_SIGNATURE: 401,
      VIGIL_ERR_WEBHOOK_TIMEOUT: 408,
      VIGIL_ERR_WEBHOOK_TOO_LARGE: 413,
      VIGIL_ERR_WEBHOOK_BUSY: 503,
      VIGIL_ERR_WEBHOOK_UNAVAILABLE: 503,
      VIGIL_ERR_UNAUTHORISED: 401,
      VIGIL_ERR_CSRF: 403,
      VIGIL_ERR_CAPABILITY: 403,
      VIGIL_ERR_LOGIN_LIMIT: 429,
      VIGIL_ERR_APPROVAL_NOT_FOUND: 404,
      VIGIL_ERR_APPROVAL_CLOSED: 409,
      VIGIL_ERR_DREAM_BUSY: 409,
      VIGIL_ERR_NOT_FOUND: 404,
      VIGIL_ERR_INTERNAL: 500,
    };
    for (const [code, status] of Object.entries(contract)) expect(new VigilError(code as ErrorCode).httpStatus, code).toBe(status);
  });
});

describe('VigilError', () => {
  it('carries its code, exit code and a message with the detail', () => {
    const err = new VigilError('VIGIL_ERR_CONFIG', 'tick.every: unknown key');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('VigilError');
    expect(err.code).toBe('VIGIL_ERR_CONFIG');
    expect(err.exitCode).toBe(78);
    expect(err.message).toBe(`${ERRORS.VIGIL_ERR_CONFIG.message}: tick.every: unknown key`);
    expect(JSON.parse(JSON.stringify(err))).toEqual({ code: 'VIGIL_ERR_CONFIG', message: err.message });
    expect(new VigilError('VIGIL_ERR_WORKER').message).toBe(ERRORS.VIGIL_ERR_WORKER.message);
  });

  it('isVigilError checks the class and, when given, the code', () => {
    const err = new VigilError('VIGIL_ERR_STORE', 'x');
    expect(isVigilError(err)).toBe(true);
    expect(isVigilError(err, 'VIGIL_ERR_STORE')).toBe(true);
    expect(isVigilError(err, 'VIGIL_ERR_CONFIG')).toBe(false);
    expect(isVigilError(Object.assign(new Error('x'), { code: 'VIGIL_ERR_STORE' }))).toBe(false);
  });

  it('a route may answer one code with another status, and keeps the cause', () => {
    const cause = new Error('inner');
    const err = new VigilError('VIGIL_ERR_CAPABILITY', 'no token', { httpStatus: 400, cause });
    expect(err.httpStatus).toBe(400);
    expect(err.cause).toBe(cause);
    expect(new VigilError('VIGIL_ERR_CAPABILITY').httpStatus).toBe(403);
    expect('cause' in new VigilError('VIGIL_ERR_CAPABILITY')).toBe(false);
  });
});

describe('errorText', () => {
  it('is one line of text for anything thrown', () => {
    expect(errorText(new VigilError('VIGIL_ERR_STORE', 'x.db'))).toBe(`${ERRORS.VIGIL_ERR_STORE.message}: x.db [VIGIL_ERR_STORE]`);
    expect(errorText(new TypeError('bad thing'))).toBe('bad thing');
    expect(errorText('a string')).toBe('a string');
    expect(errorText(undefined)).toBe('undefined');
    expect(errorText({ message: 'not an Error' })).toBe('[object Object]');
  });
});
