/**
 * The secrets vigil holds, as every exit sees them (issue 12): one redactor for the
 * daily log, stdout, HTTP answers, model requests, notifications and GitHub writes,
 * and the test the policy uses to deny a proposal that carries a secret.
 */
export { MIN_SECRET_LENGTH } from './forms.js';
export { REDACTED, makeRedactor, makeSecretMask, type Redact, type SecretMask } from './redactor.js';
export { maskFingerprints, maskSecrets, maskedValues, secretMask, withRecognised } from './mask.js';
export { fingerprintSecrets, type SecretFingerprints } from './fingerprint.js';
export { secretEnvValues, urlPassword } from './env.js';
