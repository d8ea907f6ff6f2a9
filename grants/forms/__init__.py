"""Page forms of the grants domain. They parse what a person typed into the types the services take;
the services decide the rules and their refusals are shown beside the field
(`core.forms.apply_domain_error`). Field checks that run on blur call the same validators the
services use (`grants.validators`)."""
