export * from './ids.js';
export * from './topics.js';
export * from './deployment.js';
export * from './policy/document.js';
export * from './policy/evaluator.js';
export * from './access/browser-policies.js';
export * from './access/service-policies.js';
export * from './access/model.js';
