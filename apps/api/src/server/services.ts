import type { DataSource } from 'typeorm';
import { ApiKeyService } from '../modules/auth/api-key.service';
import { CustomerService } from '../modules/customers/customer.service';
import { LifecycleService } from '../modules/lifecycle/lifecycle.service';
import { LifecycleModelService, MODEL_CHANNEL } from '../modules/lifecycle/lifecycle-model.service';
import { PgListener } from '../modules/stream/pg-listener';
import { StreamService } from '../modules/stream/stream.service';
import { TouchpointIngestService } from '../modules/touchpoints/touchpoint-ingest.service';
import { TimelineService } from '../modules/customers/timeline.service';

/** Every service of one API instance, wired once at start-up. */
export type Services = {
  dataSource: DataSource;
  apiKeys: ApiKeyService;
  models: LifecycleModelService;
  customers: CustomerService;
  timeline: TimelineService;
  ingest: TouchpointIngestService;
  lifecycle: LifecycleService;
  stream: StreamService;
  listener: PgListener;
};

export async function createServices(
  dataSource: DataSource,
  databaseUrl: string,
  onError: (error: unknown) => void,
  options: { ingestWriters?: number } = {},
): Promise<Services> {
  const listener = new PgListener(databaseUrl, onError);
  const models = new LifecycleModelService(dataSource);
  const stream = new StreamService(dataSource, listener, onError);
  listener.on(MODEL_CHANNEL, () => models.invalidate());
  await listener.start();
  return {
    dataSource,
    apiKeys: new ApiKeyService(dataSource),
    models,
    customers: new CustomerService(dataSource, models, stream.notifier),
    timeline: new TimelineService(dataSource),
    ingest: new TouchpointIngestService(dataSource, models, stream.notifier, options.ingestWriters),
    lifecycle: new LifecycleService(dataSource, models, stream.notifier),
    stream,
    listener,
  };
}

export async function stopServices(services: Services): Promise<void> {
  await services.stream.stop();
  await services.listener.stop();
}
