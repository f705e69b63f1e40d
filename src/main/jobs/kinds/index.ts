/** Registry of job kinds: the name stored in the jobs table → the code that runs it. */
import type { JobKind } from '../../../shared/contract';
import type { JobRunner } from '../protocol';
import { runAlignVideo } from './align-video';
import { runCrops } from '../../vpd/crops-job';
import { runDetect } from './detect';
import { runEmbed } from './embed';
import { runExport } from './export';
import { runImport } from './import';
import { runLift } from './lift';
import { runRender3d } from './render-3d';
import { runTrainTcc } from './train-tcc';
import { runStudentEmbed, runTrainStudent } from './train-student';
import { runTrainLifter } from './train-lifter';

export const jobRunners: Record<JobKind, JobRunner<never, never, unknown>> = {
  import: runImport as JobRunner<never, never, unknown>,
  export: runExport as JobRunner<never, never, unknown>,
  detect: runDetect as JobRunner<never, never, unknown>,
  'align-video': runAlignVideo as JobRunner<never, never, unknown>,
  crops: runCrops as JobRunner<never, never, unknown>,
  'train-tcc': runTrainTcc as JobRunner<never, never, unknown>,
  'train-student': runTrainStudent as JobRunner<never, never, unknown>,
  'student-embed': runStudentEmbed as JobRunner<never, never, unknown>,
  embed: runEmbed as JobRunner<never, never, unknown>,
  lift: runLift as JobRunner<never, never, unknown>,
  'render-3d': runRender3d as JobRunner<never, never, unknown>,
  'train-lifter': runTrainLifter as JobRunner<never, never, unknown>,
};
