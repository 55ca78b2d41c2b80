//! One full assessment of a firm: score → loss model → simulation → premium. It lives in
//! [`pricing`](crate::pricing) (the premium impact repeats it per counterfactual); this is its
//! short path.

pub use crate::pricing::assess::{Assessment, assess};
