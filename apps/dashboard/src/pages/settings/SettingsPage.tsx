import { readOnlyExplanation, useViewer } from '../../lib/useViewer';
import { LoadingState } from '../../components/States';
import { ApiKeysSection } from './ApiKeysSection';
import { CampaignsSection } from './CampaignsSection';
import { LifecycleSection } from './LifecycleSection';
import { PlaybooksSection } from './PlaybooksSection';
import { WebhooksSection } from './WebhooksSection';
import { usePageTitle } from '../../lib/usePageTitle';

/** The lifecycle model, API keys, campaigns with their spend, webhook endpoints and playbooks. Admin keys change them; read keys look. */
export function SettingsPage() {
  usePageTitle('Settings');
  const access = useViewer();
  return (
    <div className="clm-page">
      <header className="page-header">
        <div>
          <h1 className="page-header__title">Settings</h1>
          <p className="page-header__subtitle">Lifecycle model, API keys, campaigns and spend, webhooks, playbooks</p>
        </div>
      </header>
      {access.loading ? (
        <LoadingState label="Checking this key's scopes…" />
      ) : (
        <>
          {!access.isAdmin && (
            <p className="clm-notice" data-testid="settings-read-only">
              Read-only. {readOnlyExplanation(access)}
            </p>
          )}
          <section className="clm-section" aria-labelledby="settings-model">
            <h2 id="settings-model" className="clm-section__title">
              Lifecycle model
            </h2>
            <LifecycleSection isAdmin={access.isAdmin} />
          </section>
          <section className="clm-section" aria-labelledby="settings-keys">
            <h2 id="settings-keys" className="clm-section__title">
              API keys
            </h2>
            <ApiKeysSection isAdmin={access.isAdmin} ownKeyId={access.keyId} />
          </section>
          <section className="clm-section" aria-labelledby="settings-campaigns">
            <h2 id="settings-campaigns" className="clm-section__title">
              Campaigns and daily spend
            </h2>
            <CampaignsSection isAdmin={access.isAdmin} />
          </section>
          <section className="clm-section" aria-labelledby="settings-webhooks">
            <h2 id="settings-webhooks" className="clm-section__title">
              Webhooks
            </h2>
            <WebhooksSection isAdmin={access.isAdmin} />
          </section>
          <section className="clm-section" aria-labelledby="settings-playbooks" id="playbooks">
            <h2 id="settings-playbooks" className="clm-section__title">
              Playbooks
            </h2>
            <PlaybooksSection isAdmin={access.isAdmin} />
          </section>
        </>
      )}
    </div>
  );
}
