export * from './hungarian';
export * from './geometry';
export * from './tracker';
export * from './fragments';
export * from './metrics';
export * from './filters';
