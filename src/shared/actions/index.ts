export * from './recognize';
export * from './search';
export * from './classifier';
