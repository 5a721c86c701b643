/**
 * The web app manifest: `display: standalone` lets an iPhone add vigil to its home
 * screen as an app, which is where iOS allows Web Push at all.
 */
export const MANIFEST = {
  name: 'vigil',
  short_name: 'vigil',
  description: 'Approvals and news from your vigil agent',
  start_url: '/',
  scope: '/',
  display: 'standalone',
  background_color: '#131517',
  theme_color: '#131517',
  icons: [
    { src: '/icon.png', sizes: '192x192', type: 'image/png' },
    { src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any maskable' },
  ],
} as const;
