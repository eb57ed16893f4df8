export * from './lifecycle';
export * from './presets';
