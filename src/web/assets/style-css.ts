/** The dashboard's stylesheet, served as /static/style.css: readable on a phone, light and dark. */
export const STYLE_CSS = `
:root { color-scheme: light dark; --bg: #f7f7f5; --fg: #1d1f21; --muted: #6b6f76; --card: #fff; --line: #e2e2de;
  --accent: #2f6f4f; --deny: #a33a2a; --warn: #b7791f;
  --accent-text: #2a6547; --deny-text: #a33a2a; --warn-text: #8a5a12; --link: #1f5fa8; }
@media (prefers-color-scheme: dark) { :root { --bg: #131517; --fg: #e6e6e3; --muted: #9aa0a6; --card: #1c1f22; --line: #2c3034;
  --accent-text: #6fcf97; --deny-text: #ff8a7a; --warn-text: #f2c14e; --link: #8ab4f8; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .75rem 1rem; border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.2rem; margin: 0; letter-spacing: .04em; }
nav { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
nav a { color: var(--fg); text-decoration: none; padding: .2rem .1rem; border-bottom: 2px solid transparent; }
nav a[aria-current="page"] { border-bottom-color: var(--accent); }
nav form { margin: 0; }
main { max-width: 56rem; margin: 0 auto; padding: 1rem; display: grid; gap: 1rem; }
main > * { min-width: 0; }
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
form.answer { display: grid; gap: .25rem; margin-top: .5rem; }
form.answer label { font-size: .85rem; }
form.answer input[name="reason"] { font: inherit; padding: .5rem; min-height: 44px; border-radius: 8px; border: 1px solid var(--line); background: var(--card); color: var(--fg); width: 100%; }
.buttons { display: flex; gap: .5rem; margin-top: .5rem; }
button { font: inherit; padding: .55rem 1.1rem; border-radius: 8px; border: 1px solid var(--line); background: var(--card); color: var(--fg); cursor: pointer; min-height: 44px; }
button.approve, button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.deny { background: var(--deny); border-color: var(--deny); color: #fff; }
button:disabled { opacity: .5; cursor: default; }
form.filters { display: flex; flex-wrap: wrap; gap: .5rem .75rem; align-items: end; margin-bottom: .75rem; }
form.filters label { display: grid; gap: .15rem; font-size: .8rem; color: var(--muted); }
form.filters select, form.filters input { font: inherit; font-size: .95rem; padding: .4rem; min-height: 44px; border-radius: 8px; border: 1px solid var(--line); background: var(--card); color: var(--fg); max-width: 100%; }
ol.threads { list-style: none; margin: 0; padding: 0; display: grid; gap: .6rem; }
li.thread { border: 1px solid var(--line); border-left: 4px solid var(--line); border-radius: 8px; padding: .5rem .75rem; min-width: 0; }
li.thread.state-waiting { border-left-color: var(--warn); }
li.thread.state-done { border-left-color: var(--accent); }
li.thread.state-failed, li.thread.state-denied { border-left-color: var(--deny); }
.thread-head { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; font-size: .8rem; margin-bottom: .2rem; }
.badge { border-radius: 999px; padding: 0 .5rem; border: 1px solid currentColor; color: var(--muted); }
.state-waiting .badge { color: var(--warn-text); }
.state-done .badge { color: var(--accent-text); }
.state-failed .badge, .state-denied .badge { color: var(--deny-text); }
.repo { color: var(--muted); }
ol.sentences { list-style: none; margin: 0; padding: 0; }
ol.sentences li { padding: .1rem 0; overflow-wrap: anywhere; }
ol.sentences time { color: var(--muted); font-variant-numeric: tabular-nums; font-size: .85rem; margin-right: .35rem; }
ol.sentences li.tone-ok .text { color: var(--accent-text); }
ol.sentences li.tone-bad .text { color: var(--deny-text); }
ol.sentences li.tone-wait .text { color: var(--warn-text); }
ol.sentences a { color: var(--link); }
details.raw summary { cursor: pointer; color: var(--muted); font-size: .8rem; padding: .3rem 0; min-height: 24px; }
ol.raw-lines { list-style: none; margin: 0; padding: 0; font: 12px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; }
ol.raw-lines li { border-bottom: 1px dashed var(--line); overflow-wrap: anywhere; }
.muted { color: var(--muted); }
form.login { max-width: 22rem; margin: 12vh auto; display: grid; gap: .75rem; }
form.login input { font: inherit; padding: .6rem; border-radius: 8px; border: 1px solid var(--line); background: var(--card); color: var(--fg); }
.error { color: var(--deny); }
pre.memory { white-space: pre-wrap; overflow-wrap: anywhere; font: 13px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; margin: 0; }
form.search { display: flex; gap: .5rem; }
form.search input { flex: 1; font: inherit; padding: .5rem; border-radius: 8px; border: 1px solid var(--line); background: var(--card); color: var(--fg); }
ul.hits { padding-left: 1.1rem; }
figure.chart-box { margin: 0 0 1rem; min-width: 0; }
figure.chart-box figcaption { font-weight: 600; margin-bottom: .4rem; }
.chart { min-height: 240px; overflow: hidden; }
.chart .u-legend { font-size: .8rem; color: var(--fg); }
table { border-collapse: collapse; font-size: .9rem; }
th, td { text-align: right; padding: .15rem .6rem; border-bottom: 1px solid var(--line); }
th[scope="row"] { text-align: left; font-weight: normal; }
table.nodes { width: 100%; margin-bottom: .75rem; display: block; overflow-x: auto; }
table.nodes th, table.nodes td { text-align: left; white-space: nowrap; }
details summary { cursor: pointer; }
figure details { overflow-x: auto; }
form.ask { display: grid; gap: .5rem; }
form.ask textarea { font: inherit; padding: .5rem; border-radius: 8px; border: 1px solid var(--line); background: var(--card); color: var(--fg); resize: vertical; width: 100%; }
form.ask button { justify-self: start; }
.ask-answer { white-space: pre-wrap; overflow-wrap: anywhere; margin: .6rem 0 0; }
.ask-answer.error { color: var(--deny-text); }
ol.facts { list-style: none; margin: 0; padding: 0; display: grid; gap: .6rem; }
li.fact { border: 1px solid var(--line); border-radius: 8px; padding: .5rem .75rem; min-width: 0; }
li.fact.stale .fact-text { color: var(--muted); text-decoration: line-through; }
.fact-text { margin: 0 0 .3rem; overflow-wrap: anywhere; }
dl.fact-meta { display: flex; flex-wrap: wrap; gap: .1rem 1rem; margin: 0; font-size: .85rem; color: var(--muted); }
dl.fact-meta div { display: flex; gap: .3rem; min-width: 0; }
dl.fact-meta dt::after { content: ":"; }
dl.fact-meta dd { margin: 0; overflow-wrap: anywhere; }
details.fact-edit summary { color: var(--muted); font-size: .85rem; padding: .3rem 0; min-height: 24px; }
details.fact-edit form { display: grid; gap: .4rem; }
details.fact-edit textarea { font: inherit; padding: .5rem; border-radius: 8px; border: 1px solid var(--line); background: var(--card); color: var(--fg); width: 100%; }
.memory a, li.fact a, .hits a, #record a { color: var(--link); overflow-wrap: anywhere; }
.memory ul { padding-left: 1.2rem; margin: .3rem 0; }
.memory code, li.fact code { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; }
.notice { background: var(--card); border: 1px solid var(--accent); border-radius: 8px; padding: .6rem .8rem; margin: 0; }
ol.tasks, ol.steps { list-style: none; margin: 0; padding: 0; display: grid; gap: .6rem; }
li.task, li.step { border: 1px solid var(--line); border-left: 4px solid var(--line); border-radius: 8px; padding: .5rem .75rem; min-width: 0; }
li.task.state-running { border-left-color: var(--warn); }
li.task.state-succeeded { border-left-color: var(--accent); }
li.task.state-failed { border-left-color: var(--deny); }
.task-what, .said { overflow-wrap: anywhere; white-space: pre-wrap; margin: .3rem 0; }
dl.task-figures { margin: .4rem 0; }
h3.small { font-size: .85rem; margin: .4rem 0 .2rem; color: var(--muted); }
ol.tools { margin: 0; padding-left: 1.2rem; font-size: .9rem; }
ol.tools li, details.tool-call summary { overflow-wrap: anywhere; }
.tool-error code { color: var(--deny-text); }
li.task a, #transcript a { color: var(--link); }
mark { background: #f6e58d; color: #1d1f21; }
`;
