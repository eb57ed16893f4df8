import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useMemo, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { CreateSegmentDocument, DeleteSegmentDocument, SegmentEditorDocument, UpdateSegmentDocument } from '../../gql/graphql';
import { formatCount, plural, stageName } from '../../lib/format';
import { ApiErrorState, EmptyState, LoadingState } from '../../components/States';
import { apiErrorMessage } from '../../lib/api-errors';
import { readOnlyExplanation, useViewer } from '../../lib/useViewer';
import { RuleBuilder } from '../../components/RuleBuilder';
import { compileRule, newRule, nodeForIssue, parseRule, updateNode } from '../../lib/rule-model';
import type { GroupNode, RuleNode } from '../../lib/rule-model';
import { useSegmentPreview } from './useSegmentPreview';
import { issuesOf } from '../../lib/api-errors';
import { usePageTitle } from '../../lib/usePageTitle';
import { customerDisplayName } from '../../lib/customer-name';

/** The id in `/segments/new`: a segment not saved yet. */
export const NEW_SEGMENT = 'new';

/** Builds a segment's rule with its live count and sample; saves, edits and deletes it (admin). */
export function SegmentEditorPage() {
  const { id = NEW_SEGMENT } = useParams();
  const editing = id !== NEW_SEGMENT;
  const editor = useQuery(SegmentEditorDocument, { variables: { id: editing ? id : '0', editing } });
  const saved = editor.data?.segment ?? null;
  usePageTitle(editing ? (saved?.name ?? 'Segment') : 'New segment', 'Segments');

  if (editor.error)
    return (
      <Frame title="Segment">
        <ApiErrorState error={editor.error} />
      </Frame>
    );
  if (editor.loading && !editor.data)
    return (
      <Frame title="Segment">
        <LoadingState label="Loading the segment…" />
      </Frame>
    );
  if (editing && !saved)
    return (
      <Frame title="Segment">
        <EmptyState title="No such segment.">It may have been deleted.</EmptyState>
      </Frame>
    );
  return (
    <SegmentForm
      key={saved?.id ?? NEW_SEGMENT}
      saved={saved}
      stages={editor.data?.lifecycleModel.stages ?? []}
      campaigns={editor.data?.campaigns ?? []}
    />
  );
}

function Frame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="clm-page">
      <nav aria-label="Breadcrumb" className="clm-breadcrumb">
        <Link className="clm-link" to="/segments">
          Segments
        </Link>
      </nav>
      <header className="page-header">
        <h1 className="page-header__title">{title}</h1>
      </header>
      {children}
    </div>
  );
}

type SavedSegment = { id: string; name: string; description: string | null; rule: Record<string, unknown>; memberCount: number };

type SegmentFormProps = {
  saved: SavedSegment | null;
  stages: ReadonlyArray<{ key: string; name: string }>;
  campaigns: ReadonlyArray<{ key: string; name: string }>;
};

function SegmentForm({ saved, stages, campaigns }: SegmentFormProps) {
  const navigate = useNavigate();
  const access = useViewer();
  const readOnly = !access.isAdmin;
  const [name, setName] = useState(saved?.name ?? '');
  const [description, setDescription] = useState(saved?.description ?? '');
  const [root, setRoot] = useState<GroupNode>(() => (saved ? parseRule(saved.rule) : newRule()));
  const [message, setMessage] = useState<string | null>(null);
  const compiled = useMemo(() => compileRule(root), [root]);
  const sendable = compiled.problems.length === 0 ? compiled.rule : null;
  const preview = useSegmentPreview(sendable);
  const [create, creating] = useMutation(CreateSegmentDocument, { refetchQueries: ['SegmentList', 'CustomerFilterOptions'] });
  const [update, updating] = useMutation(UpdateSegmentDocument, { refetchQueries: ['SegmentList'] });
  const [remove, removing] = useMutation(DeleteSegmentDocument, { refetchQueries: ['SegmentList', 'CustomerFilterOptions'] });
  const saveError = creating.error ?? updating.error ?? removing.error;

  useEffect(() => setMessage(null), [root, name, description]);

  const problems = useMemo(() => {
    const byNode = new Map<string, string[]>();
    const add = (nodeId: string | null, text: string) => {
      const key = nodeId ?? root.id;
      byNode.set(key, [...(byNode.get(key) ?? []), text]);
    };
    for (const problem of compiled.problems) add(problem.nodeId, problem.message);
    for (const issue of [...preview.issues, ...issuesOf(saveError)]) add(nodeForIssue(issue.path, compiled.paths), issue.message);
    return byNode;
  }, [compiled, preview.issues, saveError, root.id]);

  const change = (nodeId: string, edit: (node: RuleNode) => RuleNode | null) => setRoot((current) => updateNode(current, nodeId, edit));

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!sendable) return;
    const input = { name: name.trim(), description: description.trim() || null, rule: sendable };
    if (saved) {
      const result = await update({ variables: { id: saved.id, input } }).catch(() => null);
      if (result?.data) setMessage(`Saved: ${plural(result.data.updateSegment.memberCount, 'member')}.`);
    } else {
      const result = await create({ variables: { input } }).catch(() => null);
      if (result?.data) navigate(`/segments/${encodeURIComponent(result.data.createSegment.id)}`, { replace: true });
    }
  };

  const destroy = async () => {
    if (!saved || !window.confirm(`Delete the segment "${saved.name}"? Its members leave it; customers are not deleted.`)) return;
    const result = await remove({ variables: { id: saved.id } }).catch(() => null);
    if (result?.data) navigate('/segments');
  };

  return (
    <Frame title={saved ? saved.name : 'New segment'}>
      {readOnly && !access.loading && <p className="clm-notice">{readOnlyExplanation(access)} The rule can be explored but not saved.</p>}
      <form className="segment-editor" onSubmit={(event) => void save(event)}>
        <div className="segment-editor__main">
          <section className="clm-card clm-form" aria-label="Name and description">
            <label className="field">
              <span className="field__label">Name</span>
              <input
                className="field__input"
                required
                maxLength={200}
                value={name}
                readOnly={readOnly}
                onChange={(event) => setName(event.target.value)}
              />
            </label>
            <label className="field">
              <span className="field__label">Description</span>
              <input
                className="field__input"
                value={description}
                readOnly={readOnly}
                onChange={(event) => setDescription(event.target.value)}
              />
            </label>
          </section>
          <section className="clm-card" aria-labelledby="rule-title">
            <h2 id="rule-title" className="clm-card__title">
              Rule
            </h2>
            <RuleBuilder root={root} options={{ stages, campaigns }} problems={problems} readOnly={false} onChange={change} />
          </section>
          {!readOnly && (
            <div className="clm-actions">
              <button
                type="submit"
                className="button button--primary"
                disabled={!sendable || name.trim() === '' || creating.loading || updating.loading}
              >
                {creating.loading || updating.loading ? 'Saving…' : saved ? 'Save changes' : 'Create segment'}
              </button>
              {saved && (
                <button type="button" className="button button--danger" disabled={removing.loading} onClick={() => void destroy()}>
                  Delete segment
                </button>
              )}
            </div>
          )}
          {saveError && (
            <p className="alert alert--error" role="alert">
              {apiErrorMessage(saveError)}
            </p>
          )}
          {message && (
            <p className="clm-success" role="status">
              {message}
            </p>
          )}
        </div>
        <PreviewPanel
          preview={preview}
          stages={stages}
          empty={compiled.rule === null}
          invalid={compiled.problems.length > 0}
          saved={saved}
        />
      </form>
    </Frame>
  );
}

function PreviewPanel({
  preview,
  stages,
  empty,
  invalid,
  saved,
}: {
  preview: ReturnType<typeof useSegmentPreview>;
  stages: ReadonlyArray<{ key: string; name: string }>;
  empty: boolean;
  invalid: boolean;
  saved: SavedSegment | null;
}) {
  const count = preview.preview?.count;
  return (
    <aside className="clm-card segment-preview" aria-labelledby="preview-title" aria-busy={preview.stale}>
      <h2 id="preview-title" className="clm-card__title">
        Live preview
      </h2>
      {empty ? (
        <p className="muted">Add a condition to see who matches.</p>
      ) : invalid ? (
        <p className="muted">Fix the highlighted conditions to see who matches.</p>
      ) : preview.issues.length > 0 ? (
        <p className="muted">The API refused the rule: see the messages beside the conditions.</p>
      ) : preview.error ? (
        <p className="alert alert--error" role="alert">
          {apiErrorMessage(preview.error)}
        </p>
      ) : count === undefined ? (
        <p className="muted" role="status">
          Counting…
        </p>
      ) : (
        <>
          <p className={`segment-preview__count${preview.stale ? ' segment-preview__count--stale' : ''}`} aria-live="polite">
            <span data-testid="preview-count">{formatCount(count)}</span> {count === 1 ? 'customer matches' : 'customers match'}
          </p>
          {saved && <p className="muted clm-small">Saved segment: {plural(saved.memberCount, 'member')}.</p>}
          {preview.preview && preview.preview.sample.length > 0 && (
            <>
              <h3 className="clm-small muted">Newest {preview.preview.sample.length}</h3>
              <ul className="segment-preview__sample">
                {preview.preview.sample.map((customer) => (
                  <li key={customer.id}>
                    <Link className="clm-link" to={`/customers/${encodeURIComponent(customer.id)}`}>
                      {customerDisplayName(customer)}
                    </Link>
                    <span className="muted clm-small"> · {stageName(customer.stage, stages)}</span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </aside>
  );
}
