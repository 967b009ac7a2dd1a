import { appTokenSchema, deploymentSchema, readConfig } from '../shared/config.js';

export const messagesConfigSchema = { ...deploymentSchema, ...appTokenSchema };

export const loadMessagesConfig = (source: Record<string, string | undefined>) => readConfig(messagesConfigSchema, source, 'messages function');
