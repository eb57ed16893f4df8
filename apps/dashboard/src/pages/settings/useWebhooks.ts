import { useMutation, useQuery } from '@apollo/client/react';
import {
  CreateWebhookEndpointDocument,
  DeleteWebhookEndpointDocument,
  DisableWebhookEndpointDocument,
  EnableWebhookEndpointDocument,
  RedeliverWebhookDocument,
  RotateWebhookSecretDocument,
  SendTestWebhookDocument,
  WebhookDeliveriesDocument,
  WebhookEndpointsDocument,
} from '../../gql/graphql';

/** The endpoints, the event types they can subscribe to, and what an admin does with them. */
export function useWebhookEndpoints() {
  const endpoints = useQuery(WebhookEndpointsDocument);
  const refetch = { refetchQueries: ['WebhookEndpoints'] };
  const [create, creating] = useMutation(CreateWebhookEndpointDocument, refetch);
  const [rotate, rotating] = useMutation(RotateWebhookSecretDocument, refetch);
  const [enable] = useMutation(EnableWebhookEndpointDocument, refetch);
  const [disable] = useMutation(DisableWebhookEndpointDocument, refetch);
  const [remove] = useMutation(DeleteWebhookEndpointDocument, refetch);
  return { endpoints, create, creating, rotate, rotating, enable, disable, remove };
}

/** One endpoint's delivery log (newest first, polled while open), test send and redeliver. */
export function useWebhookDeliveries(endpointId: string) {
  const deliveries = useQuery(WebhookDeliveriesDocument, { variables: { endpointId }, pollInterval: 5000 });
  const refetch = { refetchQueries: ['WebhookDeliveries'] };
  const [sendTest, testing] = useMutation(SendTestWebhookDocument, refetch);
  const [redeliver] = useMutation(RedeliverWebhookDocument, refetch);
  return { deliveries, sendTest, testing, redeliver };
}
