import Link from 'next/link';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Button from '@mui/material/Button';

/** Missing, hidden and refused all look the same: the API decides (403/404). */
export default function AdminNotFound() {
  return (
    <Alert severity="warning" action={<Button component={Link} href="/" color="inherit" size="small">Dashboard</Button>}>
      <AlertTitle>Not found</AlertTitle>
      This page does not exist or you do not have access to it.
    </Alert>
  );
}
