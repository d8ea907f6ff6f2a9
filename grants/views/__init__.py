"""The grants pages: the firm's applications, the officers' programs, rounds and screening, and the
auditors' read-only views. Each view finds its object through a scoped selector (another firm's
object is a 404), checks the registered policy (a read-only role gets 403), calls one service and
renders; a service's refusal is shown beside its field or at the top, never as a 500."""
