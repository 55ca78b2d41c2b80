//! # risk-api
//!
//! Brief overview: the `risk` command-line tool and the HTTP service (`risk serve`) on top of
//! `risk-core`. Only this crate knows files, JSON wire types, HTTP, the database and processes.

#![deny(missing_docs)]

pub mod app;
pub mod auth;
pub mod claims_io;
pub mod cli;
pub mod dto;
pub mod jobs;
pub mod keys;
pub mod metrics;
pub mod oed;
pub mod ord;
pub mod portfolio_chunks;
pub mod portfolio_io;
pub mod problem;
pub mod rawio;
pub mod routes;
pub mod serve;
pub mod service;
pub mod store;
pub mod suppliers_io;
pub mod throttle;
pub mod web;
pub mod ylt_io;
