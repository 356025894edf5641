// The real services the tests use; override with TEST_DATABASE_URL / TEST_REDIS_URL.
module.exports = {
  testDatabaseUrl: process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/test',
  testRedisUrl: process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379',
};
