import { ClustersAdmin } from '../../../../features/clusters/ui/clusters-admin.tsx';

export default function ClustersPage() {
  return <ClustersAdmin />;
}
