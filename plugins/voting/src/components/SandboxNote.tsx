import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import InfoIcon from '@material-ui/icons/Info';

/** What sandbox mode changes about the votes a view shows. */
export const SANDBOX_NOTE =
  "Sandbox: these votes come from the voting stack running on this machine, not from the environment's cluster";

/**
 * Said wherever votes are shown in sandbox mode (the answer's `servedBy`): the local clusters run
 * no containers, so the tallies are the local stack's and must not pass for the environment's.
 * Spans only, so that it fits inside a list item's text too.
 */
export function SandboxNote() {
  return (
    <Box
      component="span"
      role="note"
      display="flex"
      alignItems="center"
      my={1}
      style={{ gap: 8 }}
    >
      <InfoIcon fontSize="small" color="primary" aria-hidden="true" />
      <Typography component="span" variant="body2" color="textSecondary">
        {SANDBOX_NOTE}
      </Typography>
    </Box>
  );
}
