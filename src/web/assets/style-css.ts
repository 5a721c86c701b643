/** The dashboard's stylesheet, served as /static/style.css: readable on a phone, light and dark. */
export const STYLE_CSS = `
:root { color-scheme: light dark; --bg: #f7f7f5; --fg: #1d1f21; --muted: #6b6f76; --card: #fff; --line: #e2e2de;
  --accent: #2f6f4f; --deny: #a33a2a; --warn: #b7791f; }
@media (prefers-color-scheme: dark) { :root { --bg: #131517; --fg: #e6e6e3; --muted: #9aa0a6; --card: #1c1f22; --line: #2c3034; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .75rem 1rem; border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.2rem; margin: 0; letter-spacing: .04em; }
nav { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
nav a { color: var(--fg); text-decoration: none; padding: .2rem .1rem; border-bottom: 2px solid transparent; }
nav a[aria-current="page"] { border-bottom-color: var(--accent); }
nav form { margin: 0; }
main { max-width: 56rem; margin: 0 auto; padding: 1rem; display: grid; gap: 1rem; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1rem; }
h2 { font-size: 1.05rem; margin: 0 0 .75rem; }
dl.status { display: grid; grid-template-columns: repeat(auto-fill, minmax(10rem, 1fr)); gap: .5rem 1rem; margin: 0; }
dl.status div { min-width: 0; }
dl.status dt { color: var(--muted); font-size: .8rem; }
dl.status dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
ul.approvals { list-style: none; margin: 0; padding: 0; display: grid; gap: .75rem; }
li.approval { border: 1px solid var(--line); border-radius: 8px; padding: .75rem; }
li.approval h3 { margin: 0 0 .25rem; font-size: 1rem; }
li.approval p { margin: .2rem 0; overflow-wrap: anywhere; }
li.approval .why, li.approval .expires { color: var(--muted); font-size: .9rem; }
li.approval.answered { opacity: .6; }
li.approval.error .result { color: var(--deny); }
.buttons { display: flex; gap: .5rem; margin-top: .5rem; }
button { font: inherit; padding: .55rem 1.1rem; border-radius: 8px; border: 1px solid var(--line); background: var(--card); color: var(--fg); cursor: pointer; min-height: 44px; }
button.approve, button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.deny { background: var(--deny); border-color: var(--deny); color: #fff; }
button:disabled { opacity: .5; cursor: default; }
ol.timeline { list-style: none; margin: 0; padding: 0; font: 13px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; }
ol.timeline li { padding: .15rem 0; border-bottom: 1px dashed var(--line); overflow-wrap: anywhere; }
ol.timeline li[data-type="action.succeeded"] { color: var(--accent); }
ol.timeline li[data-type="action.failed"], ol.timeline li[data-type$=".denied"], ol.timeline li[data-type$="_failed"] { color: var(--deny); }
ol.timeline li.kind-approval { color: var(--warn); }
.muted { color: var(--muted); }
form.login { max-width: 22rem; margin: 12vh auto; display: grid; gap: .75rem; }
form.login input { font: inherit; padding: .6rem; border-radius: 8px; border: 1px solid var(--line); background: var(--card); color: var(--fg); }
.error { color: var(--deny); }
pre.memory { white-space: pre-wrap; overflow-wrap: anywhere; font: 13px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; margin: 0; }
form.search { display: flex; gap: .5rem; }
form.search input { flex: 1; font: inherit; padding: .5rem; border-radius: 8px; border: 1px solid var(--line); background: var(--card); color: var(--fg); }
ul.hits { padding-left: 1.1rem; }
mark { background: #f6e58d; color: #1d1f21; }
`;
