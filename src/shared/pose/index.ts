export * from './track';
export * from './validate';
