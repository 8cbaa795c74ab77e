import { describe, expect, it } from 'vitest';
import { endpointsOf } from './server.ts';
import { consumerSettings, producerSettings } from './settings.ts';

const limits = { maxBodySize: 1024, longPollingMs: 20_000, receiveBatchSize: 32 };

describe('Settings.metric', () => {
  it('is off unless the operator names a collector, then on with its endpoints for producers and consumers', () => {
    expect(producerSettings({}, limits)).toMatchObject({ metric: { on: false } });
    const clientMetrics = endpointsOf('10.0.0.7:4317');
    expect(clientMetrics).toEqual({ scheme: 'IPv4', addresses: [{ host: '10.0.0.7', port: 4317 }] });
    expect(producerSettings({}, { ...limits, clientMetrics })).toMatchObject({ metric: { on: true, endpoints: clientMetrics } });
    expect(consumerSettings({}, undefined, { ...limits, clientMetrics })).toMatchObject({ metric: { on: true, endpoints: clientMetrics } });
  });

  it('reads host:port for IPv4, names and bracketed IPv6, and refuses anything else', () => {
    expect(endpointsOf('otel-collector:4317').scheme).toBe('DOMAIN_NAME');
    expect(endpointsOf('[::1]:4317')).toEqual({ scheme: 'IPv6', addresses: [{ host: '::1', port: 4317 }] });
    for (const bad of ['collector', 'collector:0', 'collector:99999', 'http://collector:4317', '']) {
      expect(() => endpointsOf(bad), bad).toThrow(/host:port/);
    }
  });
});
