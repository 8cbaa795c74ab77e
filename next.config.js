/* global process */
/** @type {import('next').NextConfig} */
const config = {
  // Native / gRPC packages stay as Node modules at run time rather than being bundled.
  serverExternalPackages: [
    '@grpc/grpc-js',
    '@grpc/proto-loader',
    'rocketmq-client-nodejs',
    '@node-rs/crc32',
    '@node-rs/argon2',
    'pino',
    '@libsql/client',
    '@prisma/adapter-libsql',
    '@prisma/adapter-pg',
    'pg',
    '@opentelemetry/api',
    '@opentelemetry/sdk-trace-node',
    '@opentelemetry/exporter-trace-otlp-http',
    '@opentelemetry/resources',
    '@opentelemetry/sdk-metrics',
    '@opentelemetry/exporter-prometheus',
    '@opentelemetry/exporter-metrics-otlp-http',
  ],
  poweredByHeader: false,
  // Parallel browser-test runs in one checkout build into their own directory (scripts/e2e-server.sh).
  ...(process.env.MERIDIAN_NEXT_DIR ? { distDir: process.env.MERIDIAN_NEXT_DIR } : {}),
};

export default config;
