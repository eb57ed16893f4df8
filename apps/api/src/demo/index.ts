/**
 * The demo: a deterministic business (a pure plan from a seed) loaded through
 * clm's public services on an empty database, and a simulator that keeps its
 * customers moving. Started by app.ts when CLM_DEMO says so.
 */
export { startDemo } from './demo';
export type { Demo, DemoOptions } from './demo';
export { loadDemo, DEMO_ACTOR } from './demo-loader';
export type { DemoLoadResult, DemoServices } from './demo-loader';
export { DEMO_SEGMENTS } from './demo-business';
export { DEMO_CUSTOMERS, DEMO_SEED, demoExternalId, demoWindows, planDemo } from './demo-plan';
export type { DemoPlan } from './demo-plan';
export type { DemoCustomer, DemoTouchpoint } from './demo-story';
export { DemoSimulator } from './demo-simulator';
export { measureDemoRates } from './demo-rates';
export type { DemoRates } from './demo-rates';
