from django.views.decorators.cache import cache_control

# Like never_cache, without the time-stamped Expires header: recovery responses must not differ
# from one request to the next by anything but what the visitor sent.
no_store = cache_control(
    no_store=True, no_cache=True, must_revalidate=True, private=True, max_age=0
)
