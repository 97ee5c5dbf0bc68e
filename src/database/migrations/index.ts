import { CreateEventStore1732300000000 } from './1732300000000-create-event-store.js';
import { CreateUsers1732300000001 } from './1732300000001-create-users.js';
import { CreateNotifications1732300000002 } from './1732300000002-create-notifications.js';
import { CreateAnalytics1732300000003 } from './1732300000003-create-analytics.js';
import { CreateAuditLog1732300000004 } from './1732300000004-create-audit-log.js';
import { CreateWebhookSubscriptions1732300000010 } from './1732300000010-create-webhook-subscriptions.js';
import { SealWebhookSecrets1732300000011 } from './1732300000011-seal-webhook-secrets.js';
import { CreateSagas1732300000020 } from './1732300000020-create-sagas.js';
import { CreateOrders1732300000021 } from './1732300000021-create-orders.js';
import { CreateRetentionRuns1732300000030 } from './1732300000030-create-retention-runs.js';
import { CreateStorageProbe1732300000040 } from './1732300000040-create-storage-probe.js';

/** Every migration, in order. A new module adds its own file here. */
export const migrations = [
  CreateEventStore1732300000000,
  CreateUsers1732300000001,
  CreateNotifications1732300000002,
  CreateAnalytics1732300000003,
  CreateAuditLog1732300000004,
  CreateWebhookSubscriptions1732300000010,
  SealWebhookSecrets1732300000011,
  CreateSagas1732300000020,
  CreateOrders1732300000021,
  CreateRetentionRuns1732300000030,
  CreateStorageProbe1732300000040,
];
