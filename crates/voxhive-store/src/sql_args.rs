//! Values bound to SQL built at run time (filters, rollup changes), so that one list of
//! statements runs on either engine through `bind_args!`.

/// One bound value; `None` binds NULL of that type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}

impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_string()))
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}

impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::Text(v.map(str::to_string))
    }
}

impl From<Option<bool>> for Arg {
    fn from(v: Option<bool>) -> Self {
        Arg::Bool(v)
    }
}

/// A statement and its values, in placeholder order.
pub(crate) type Statement = (String, Vec<Arg>);

/// Binds every value of `$args` (an iterator of `&Arg`) to `$query`, in order.
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                $crate::sql_args::Arg::Int(v) => query.bind(*v),
                $crate::sql_args::Arg::Text(v) => query.bind(v.as_deref()),
                $crate::sql_args::Arg::Bool(v) => query.bind(*v),
            };
        }
        query
    }};
}
pub(crate) use bind_args;
