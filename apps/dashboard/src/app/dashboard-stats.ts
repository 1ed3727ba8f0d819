/** Counters of the dashboard app (beside the dashwire server's own `stats`). */
export interface DashboardStats {
  pointsIn: number;
  pointsRejected: number;
  publishes: number;
  /** Rollups not published because too many publications were in flight. */
  publishesSkipped: number;
  publishErrors: number;
  /** Feed points (demo, system) the store could not take (disk full, database down). */
  feedDropped: number;
}

/** Every counter at zero. */
export function newDashboardStats(): DashboardStats {
  return { pointsIn: 0, pointsRejected: 0, publishes: 0, publishesSkipped: 0, publishErrors: 0, feedDropped: 0 };
}
