import { TransactionsList } from '../../../../features/transactions/ui/transactions-list.tsx';

export default function AllTransactionsPage() {
  return <TransactionsList />;
}
