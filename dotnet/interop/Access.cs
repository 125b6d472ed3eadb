// Per-type caches of how the interop helper reaches an item's members: its GetPropertyKeys method and one
// compiled getter per property name, found by reflection once per (type, name) and then shared by every
// item of that type. Lookups take no lock (concurrent dictionaries), so recorders read in parallel threads
// do not serialise on the cache, and a read allocates nothing per item for it.
using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq.Expressions;
using System.Reflection;

namespace SmartSync.Interop
{
    /// <summary>How one property of one item type is read.</summary>
    internal sealed class Prop
    {
        /// <summary>The typed property's compiled getter; null when the type has no readable property of
        /// that name (the value then comes from GetProperty's string).</summary>
        public readonly Func<object, object> Get;

        /// <summary>A password (or any key naming one): never read, never written.</summary>
        public readonly bool Secret;

        public Prop(Func<object, object> get, bool secret)
        {
            Get = get;
            Secret = secret;
        }
    }

    /// <summary>The cached members of one concrete item type.</summary>
    internal sealed class TypeAccess
    {
        private static readonly ConcurrentDictionary<Type, TypeAccess> ByType =
            new ConcurrentDictionary<Type, TypeAccess>();

        private static readonly string[] NoKeys = new string[0];

        private readonly Type type;
        private readonly ConcurrentDictionary<string, Prop> props =
            new ConcurrentDictionary<string, Prop>(StringComparer.Ordinal);
        private readonly Func<object, IEnumerable> keys;
        private readonly Action<object> clearChildren;
        private readonly MethodInfo getProperty;

        private TypeAccess(Type t)
        {
            type = t;
            // GetPropertyKeys and GetProperty are on the concrete item classes, not on IConfigurationItem.
            MethodInfo m = t.GetMethod("GetPropertyKeys", Type.EmptyTypes);
            if (m != null && typeof(IEnumerable).IsAssignableFrom(m.ReturnType))
            {
                ParameterExpression o = Expression.Parameter(typeof(object), "o");
                Expression call = Expression.Call(Expression.Convert(o, t), m);
                keys = Expression.Lambda<Func<object, IEnumerable>>(Expression.Convert(call, typeof(IEnumerable)), o)
                    .Compile();
            }
            getProperty = t.GetMethod("GetProperty", new[] { typeof(string) });
            // ClearChildrenCache too: the SDK's names confirm it on the concrete classes (Hardware, folders).
            MethodInfo c = t.GetMethod("ClearChildrenCache", Type.EmptyTypes);
            if (c != null)
            {
                ParameterExpression o = Expression.Parameter(typeof(object), "o");
                clearChildren = Expression.Lambda<Action<object>>(Expression.Call(Expression.Convert(o, t), c), o)
                    .Compile();
            }
        }

        public static TypeAccess Of(object item)
        {
            Type t = item.GetType();
            TypeAccess a;
            return ByType.TryGetValue(t, out a) ? a : ByType.GetOrAdd(t, new TypeAccess(t));
        }

        /// <summary>The keys the item reports (GetPropertyKeys), as it returns them.</summary>
        public IEnumerable Keys(object item)
        {
            if (keys == null)
                return NoKeys;
            return keys(item) ?? NoKeys;
        }

        /// <summary>Drops the item's cached children (ClearChildrenCache); nothing for a type without it.</summary>
        public void ClearChildren(object item)
        {
            if (clearChildren != null)
                clearChildren(item);
        }

        public Prop Prop(string name)
        {
            Prop p;
            if (props.TryGetValue(name, out p))
                return p;
            // Two threads may both compile the first time; either result is the same getter.
            return props.GetOrAdd(name, new Prop(Compile(type, name),
                name.IndexOf("Password", StringComparison.OrdinalIgnoreCase) >= 0));
        }

        /// <summary>The typed property's value; null when the type has no such property.</summary>
        public object Value(object item, string name)
        {
            Func<object, object> g = Prop(name).Get;
            return g == null ? null : g(item);
        }

        /// <summary>GetProperty(key)'s string, for keys with no typed property.</summary>
        public object Raw(object item, string key)
        {
            return getProperty == null ? null : getProperty.Invoke(item, new object[] { key });
        }

        private static Func<object, object> Compile(Type t, string name)
        {
            PropertyInfo p = Property(t, name);
            if (p == null)
                return null;
            ParameterExpression obj = Expression.Parameter(typeof(object), "o");
            Expression body = Expression.Convert(Expression.Property(Expression.Convert(obj, t), p), typeof(object));
            return Expression.Lambda<Func<object, object>>(body, obj).Compile();
        }

        private static PropertyInfo Property(Type t, string name)
        {
            PropertyInfo p;
            try
            {
                p = t.GetProperty(name, BindingFlags.Public | BindingFlags.Instance);
            }
            catch (AmbiguousMatchException)
            {
                // A derived type hides a base property with `new`: take the most derived one.
                p = null;
                for (Type x = t; x != null && p == null; x = x.BaseType)
                    p = x.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly);
            }
            if (p != null && (p.GetIndexParameters().Length != 0 || !p.CanRead))
                p = null;
            return p;
        }
    }
}
