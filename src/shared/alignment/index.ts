export * from './dtw';
export * from './kendall';
export * from './features';
export { wasmKernelAvailable } from './wasm-kernel';
export * from './align-tracks';
export * from './coaching';
export * from './tsne';
