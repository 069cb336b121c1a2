-- nothing here
/* block
comment */
