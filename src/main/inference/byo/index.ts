/** Bring-your-own top-down 2D pose models (README.md in this folder). */
export { byoDescriptorSchema, parseDescriptor, readDescriptor } from './descriptor';
export type { ByoDescriptor, ByoInputSpec, ResolvedDescriptor } from './descriptor';
export { loadByoModel, type ByoModel } from './model';
export { clearRegisteredByoModels, registerByoModel, scanByoModels, type ByoScan } from './registry';
export {
  boxToCrop,
  cropResize,
  cropToFrame,
  decodeHeatmaps,
  decodeSimcc,
  toInputData,
  type BoxXYXY,
  type CropRegion,
} from './topdown';
