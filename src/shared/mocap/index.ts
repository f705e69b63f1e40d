/** Motion-capture import: BVH and C3D codecs, source rigs and their mapping to target skeletons. */
export * from './types';
export * from './bvh';
export * from './c3d';
export * from './rigs';
export * from './import';
