/**
 * The pose track correction editor's pure part (issue 4): edit actions on pose tracks with exact
 * inverses, provenance codes, the problems finder, and the history's byte format. No Node imports:
 * the main process stores what these compute (src/main/editing), the renderer may import the
 * action list and the provenance codes.
 */
export * from './actions';
export * from './codec';
export * from './corrections';
export * from './interpolate';
export * from './params';
export * from './problems';
export * from './provenance';
export * from './segment';
export * from './source';
