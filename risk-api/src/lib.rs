//! # risk-api
//!
//! Brief overview: the `risk` command-line tool (and, later, the HTTP service) on top of
//! `risk-core`. Only this crate knows files, JSON wire types and processes.

#![deny(missing_docs)]

pub mod cli;
pub mod dto;
pub mod portfolio_io;
