/**
 * What a team node builds its timeline and pictures with (issue 19), loaded with the node's
 * HTTP app (web/index.ts loadTeamViews): the single daemon never loads it.
 */
export { teamDayTimeline } from './team-timeline.js';
export { chartsOf, lastDays, TREND_DAYS } from './charts.js';
export { COUNTED_TYPES, countEntries } from './log-stats.js';
