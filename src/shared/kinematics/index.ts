/** Kinematics: joint and segment angles, series filtering with gaps, gait events and metrics. */
export * from './points';
export * from './angles';
export * from './series';
export * from './gait';
export * from './report';
