/** The gateway's public paths (`CONTRACT.md`). */
export const GRAPHQL_PATH = '/graphql';
export const HEALTH_PATH = '/health';
