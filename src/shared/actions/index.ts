export * from './recognize';
export * from './search';
