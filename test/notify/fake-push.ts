/** The fake push service lives with the other plain-JS fakes, so that benches use it too. */
export { FakePushService, decryptAes128gcm, type BrowserSubscription, type PushMessage } from '../fakes/fake-push.mjs';
