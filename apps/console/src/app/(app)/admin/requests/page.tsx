import { PendingRequests } from '../../../../features/requests/ui/pending-requests.tsx';

export default function PendingRequestsPage() {
  return <PendingRequests />;
}
