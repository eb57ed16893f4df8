import { useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { CampaignsDocument, CreateCampaignDocument, ImportCampaignSpendDocument, RecordCampaignSpendDocument } from '../../gql/graphql';
import { ApiErrorState, EmptyState, LoadingState } from '../../components/States';
import { apiErrorMessage } from '../../lib/api-errors';
import { formatMoney, formatCount, plural } from '../../lib/format';
import { TableScroll } from '../../components/TableScroll';

const today = () => new Date().toISOString().slice(0, 10);

/** Campaigns with their total spend; admins create campaigns and record spend by day or from CSV. */
export function CampaignsSection({ isAdmin }: { isAdmin: boolean }) {
  const { data, loading, error } = useQuery(CampaignsDocument);
  const campaigns = data?.campaigns ?? [];
  return (
    <div className="clm-stack">
      {error && <ApiErrorState error={error} />}
      {loading && !data && <LoadingState label="Loading campaigns…" />}
      {data && campaigns.length === 0 && (
        <EmptyState title="No campaigns yet.">
          Touchpoints link to a campaign by carrying its key in <code>campaign</code>.
          {data.unknownCampaigns.length > 0 &&
            ` Keys seen without a campaign: ${data.unknownCampaigns.map((unknown) => unknown.key).join(', ')}.`}
        </EmptyState>
      )}
      {campaigns.length > 0 && (
        <TableScroll label="Campaigns">
          <table className="clm-table">
            <caption className="visually-hidden">Campaigns</caption>
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col">Key</th>
                <th scope="col">Channel</th>
                <th scope="col">Runs</th>
                <th scope="col" className="clm-table__number">
                  Spend
                </th>
              </tr>
            </thead>
            <tbody>
              {campaigns.map((campaign) => (
                <tr key={campaign.key}>
                  <td>{campaign.name}</td>
                  <td>
                    <code>{campaign.key}</code>
                  </td>
                  <td>{campaign.channel}</td>
                  <td>
                    {campaign.startsOn} – {campaign.endsOn ?? 'open'}
                  </td>
                  <td className="clm-table__number">{formatMoney(campaign.spend.total)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {data && data.unknownCampaigns.length > 0 && campaigns.length > 0 && (
        <p className="muted clm-small">
          Keys touchpoints carry without a campaign:{' '}
          {data.unknownCampaigns.map((unknown) => `${unknown.key} (${formatCount(unknown.touchpoints)})`).join(', ')}.
        </p>
      )}
      {isAdmin ? (
        <div className="clm-grid">
          <CreateCampaignForm />
          <RecordSpendForm campaigns={campaigns} />
          <ImportSpendForm />
        </div>
      ) : (
        <p className="muted">Creating campaigns and recording spend needs a key with the ADMIN scope.</p>
      )}
    </div>
  );
}

function CreateCampaignForm() {
  const [form, setForm] = useState({ key: '', name: '', channel: '', startsOn: today(), endsOn: '' });
  const [create, { loading, error, data }] = useMutation(CreateCampaignDocument, { refetchQueries: ['Campaigns'] });
  const set = (change: Partial<typeof form>) => setForm((current) => ({ ...current, ...change }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await create({
      variables: {
        input: {
          key: form.key.trim(),
          name: form.name.trim(),
          channel: form.channel.trim(),
          startsOn: form.startsOn,
          endsOn: form.endsOn || null,
        },
      },
    }).catch(() => null);
    if (result?.data) setForm({ key: '', name: '', channel: '', startsOn: today(), endsOn: '' });
  };
  return (
    <form className="clm-card clm-form" aria-labelledby="create-campaign" onSubmit={(event) => void submit(event)}>
      <h3 id="create-campaign" className="clm-card__title">
        New campaign
      </h3>
      <label className="field">
        <span className="field__label">Key (as touchpoints carry it)</span>
        <input className="field__input" required value={form.key} onChange={(event) => set({ key: event.target.value })} />
      </label>
      <label className="field">
        <span className="field__label">Name</span>
        <input className="field__input" required value={form.name} onChange={(event) => set({ name: event.target.value })} />
      </label>
      <label className="field">
        <span className="field__label">Channel</span>
        <input
          className="field__input"
          required
          placeholder="paid_search"
          value={form.channel}
          onChange={(event) => set({ channel: event.target.value })}
        />
      </label>
      <div className="clm-form__row">
        <label className="field">
          <span className="field__label">Starts on</span>
          <input
            className="field__input"
            type="date"
            required
            value={form.startsOn}
            onChange={(event) => set({ startsOn: event.target.value })}
          />
        </label>
        <label className="field">
          <span className="field__label">Ends on (optional)</span>
          <input className="field__input" type="date" value={form.endsOn} onChange={(event) => set({ endsOn: event.target.value })} />
        </label>
      </div>
      <button type="submit" className="button button--primary" disabled={loading}>
        Create campaign
      </button>
      {error && (
        <p className="field__error" role="alert">
          {apiErrorMessage(error)}
        </p>
      )}
      {data && !error && (
        <p className="clm-success" role="status">
          Created {data.createCampaign.name}.
        </p>
      )}
    </form>
  );
}

function RecordSpendForm({ campaigns }: { campaigns: ReadonlyArray<{ key: string; name: string }> }) {
  const [campaign, setCampaign] = useState('');
  const [day, setDay] = useState(today());
  const [amount, setAmount] = useState('');
  const [record, { loading, error, data }] = useMutation(RecordCampaignSpendDocument, { refetchQueries: ['Campaigns'] });
  return (
    <form
      className="clm-card clm-form"
      aria-labelledby="record-spend"
      onSubmit={(event) => {
        event.preventDefault();
        void record({ variables: { spend: [{ campaign, day, amount: amount.trim() }] } }).catch(() => null);
      }}
    >
      <h3 id="record-spend" className="clm-card__title">
        Record a day's spend
      </h3>
      <label className="field">
        <span className="field__label">Campaign</span>
        <select className="field__input" required value={campaign} onChange={(event) => setCampaign(event.target.value)}>
          <option value="">Choose a campaign</option>
          {campaigns.map((option) => (
            <option key={option.key} value={option.key}>
              {option.name} ({option.key})
            </option>
          ))}
        </select>
      </label>
      <div className="clm-form__row">
        <label className="field">
          <span className="field__label">Day</span>
          <input className="field__input" type="date" required value={day} onChange={(event) => setDay(event.target.value)} />
        </label>
        <label className="field">
          <span className="field__label">Amount</span>
          <input
            className="field__input"
            required
            inputMode="decimal"
            placeholder="120.50"
            value={amount}
            onChange={(event) => setAmount(event.target.value)}
          />
        </label>
      </div>
      <button type="submit" className="button button--primary" disabled={loading || campaign === ''}>
        Record spend
      </button>
      {error && (
        <p className="field__error" role="alert">
          {apiErrorMessage(error)}
        </p>
      )}
      {data && !error && (
        <p className="clm-success" role="status">
          Recorded ({plural(data.recordCampaignSpend.changed, 'row')} changed).
        </p>
      )}
    </form>
  );
}

function ImportSpendForm() {
  const [csv, setCsv] = useState('');
  const [importSpend, { loading, error, data }] = useMutation(ImportCampaignSpendDocument, { refetchQueries: ['Campaigns'] });
  return (
    <form
      className="clm-card clm-form"
      aria-labelledby="import-spend"
      onSubmit={(event) => {
        event.preventDefault();
        void importSpend({ variables: { csv } }).catch(() => null);
      }}
    >
      <h3 id="import-spend" className="clm-card__title">
        Import spend from CSV
      </h3>
      <label className="field">
        <span className="field__label">CSV file</span>
        <input
          className="field__input"
          type="file"
          accept=".csv,text/csv"
          onChange={(event) => {
            const file = event.target.files?.[0];
            if (file) void file.text().then(setCsv);
          }}
        />
      </label>
      <label className="field">
        <span className="field__label">or paste it (header: campaign,day,amount)</span>
        <textarea
          className="field__input clm-mono"
          rows={4}
          placeholder={'campaign,day,amount\nspring-sale,2026-03-01,120.50'}
          value={csv}
          onChange={(event) => setCsv(event.target.value)}
        />
      </label>
      <button type="submit" className="button button--primary" disabled={loading || csv.trim() === ''}>
        Import
      </button>
      {error && (
        <p className="field__error" role="alert">
          {apiErrorMessage(error)}
        </p>
      )}
      {data && !error && (
        <p className="clm-success" role="status">
          Imported {plural(data.importCampaignSpend.rows, 'row')} for {plural(data.importCampaignSpend.campaigns, 'campaign')} (total{' '}
          {formatMoney(data.importCampaignSpend.total)}).
        </p>
      )}
    </form>
  );
}
