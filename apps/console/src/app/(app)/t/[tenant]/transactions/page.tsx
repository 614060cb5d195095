import { TransactionsList } from '../../../../../features/transactions/ui/transactions-list.tsx';

export default async function TransactionsPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  return <TransactionsList tenant={tenant} />;
}
