import DataLoader from 'dataloader';
import type { StageTransition } from '../lifecycle/stage-transition.entity';
import type { Touchpoint } from '../touchpoints/touchpoint.entity';
import { Customer } from './customer.entity';
import type { TimelinePage, TimelineService, TimelineWindow } from './timeline.service';
import type { DataSource } from 'typeorm';

/** Per-request loaders: every customer field that needs a query is batched across the customers of a response. */
export type CustomerLoaders = {
  customer: DataLoader<string, Customer | null>;
  touchpoints: (window: TimelineWindow) => DataLoader<string, TimelinePage<Touchpoint>>;
  transitions: (window: TimelineWindow) => DataLoader<string, TimelinePage<StageTransition>>;
};

export function createCustomerLoaders(dataSource: DataSource, timeline: TimelineService): CustomerLoaders {
  const byWindow = <T>(load: (ids: readonly string[], window: TimelineWindow) => Promise<Map<string, TimelinePage<T>>>) => {
    const loaders = new Map<string, DataLoader<string, TimelinePage<T>>>();
    return (window: TimelineWindow) => {
      const key = `${window.first}:${window.after ?? ''}`;
      let loader = loaders.get(key);
      if (!loader) {
        loader = new DataLoader(async (ids: readonly string[]) => {
          const pages = await load(ids, window);
          return ids.map((id) => pages.get(id) as TimelinePage<T>);
        });
        loaders.set(key, loader);
      }
      return loader;
    };
  };
  return {
    customer: new DataLoader(async (ids: readonly string[]) => {
      const found = await dataSource.getRepository(Customer).findBy(ids.map((id) => ({ id })));
      const byId = new Map(found.map((customer) => [customer.id, customer]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    touchpoints: byWindow((ids, window) => timeline.touchpoints(ids, window)),
    transitions: byWindow((ids, window) => timeline.transitions(ids, window)),
  };
}
