import fs from 'node:fs';
import path from 'node:path';
import { errorText, VigilError } from '../errors.js';
import { PACKAGE_ROOT } from './host.js';

/** Templates ship beside dist/: `systemd/user/vigil.service`, `systemd/system/vigil.service`, `launchd/dev.vigil.plist`. */
export function readTemplate(relative: string): string {
  const file = path.join(PACKAGE_ROOT, relative);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new VigilError('VIGIL_ERR_SERVICE', `template ${file}: ${errorText(err)}`, { cause: err });
  }
}

/**
 * Fill `@NAME@` markers with values already escaped for the template's language. One
 * pass, so a value that happens to contain `@X@` is never expanded again; a marker
 * without a value is an error, never left in a unit file.
 */
export function fillTemplate(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/@([A-Z][A-Z_]*)@/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new VigilError('VIGIL_ERR_SERVICE', `template marker @${name}@ has no value`);
    if (/[\r\n]/.test(value)) throw new VigilError('VIGIL_ERR_SERVICE', `@${name}@: a value with a line break cannot go into a service file`);
    return value;
  });
}
