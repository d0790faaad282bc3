//! Digests: [`render`] turns recorded matches into an email's text and HTML (pure);
//! [`send`] delivers the message over SMTP or into `.eml` files.

mod hello;
pub mod probe;
pub mod render;
pub mod send;
