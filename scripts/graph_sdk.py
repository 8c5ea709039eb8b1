"""Microsoft's Graph SDK for Python (msgraph-sdk) against conform's reference server.

    python3 scripts/graph_sdk.py http://127.0.0.1:PORT/v1.0

Drives `conform mock` with the SDK as an application would: users (the default property set of
/me and $select), query options and paging, $search, delta in two rounds, groups, $ref membership
and $expand, group conversations by deep insert, mail, calendar and To Do, a OneDrive resumable
upload, bound actions, JSON batching (with dependsOn on a failed request), an unauthenticated
request, deletes. Each step prints `PASS name` or `FAIL name: why` (with the exchange that went
wrong), then a closing `N passed, M failed`; the exit status is 1 when any step failed.
`scripts/graph_sdk.sh` sets up the SDK and the server and runs this.
"""
import asyncio
import datetime
import io
import json
import sys
import traceback
import uuid

import httpx
from kiota_abstractions.api_error import APIError
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    AnonymousAuthenticationProvider,
    BaseBearerTokenAuthenticationProvider,
)
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.graph_request_adapter import options as graph_middleware_options
from msgraph.generated.drives.item.items.item.create_upload_session.create_upload_session_post_request_body import (
    CreateUploadSessionPostRequestBody,
)
from msgraph.generated.directory_objects.item.get_member_groups.get_member_groups_post_request_body import (
    GetMemberGroupsPostRequestBody,
)
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.conversation import Conversation
from msgraph.generated.models.conversation_thread import ConversationThread
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.drive_item import DriveItem
from msgraph.generated.models.drive_item_uploadable_properties import DriveItemUploadableProperties
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.event import Event
from msgraph.generated.models.group import Group
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.message import Message
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.password_profile import PasswordProfile
from msgraph.generated.models.post import Post
from msgraph.generated.models.recipient import Recipient
from msgraph.generated.models.reference_create import ReferenceCreate
from msgraph.generated.models.todo_task import TodoTask
from msgraph.generated.models.todo_task_list import TodoTaskList
from msgraph.generated.models.user import User
from msgraph_core.requests.batch_request_content import BatchRequestContent
from msgraph_core.requests.batch_request_item import BatchRequestItem
from msgraph.generated.users.item.check_member_groups.check_member_groups_post_request_body import (
    CheckMemberGroupsPostRequestBody,
)
from msgraph.generated.groups.item.group_item_request_builder import GroupItemRequestBuilder
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph_core import GraphClientFactory
from msgraph_core.tasks.large_file_upload import LargeFileUploadTask
from msgraph_core.tasks.page_iterator import PageIterator

TOKEN = "conform-sdk-check"  # the mock takes any bearer token


# --- Traffic ---------------------------------------------------------------------------------

class Traffic:
    """Records every exchange the SDK makes, so a failing step can say what was sent and what
    came back."""

    def __init__(self):
        self.exchanges = []

    async def on_request(self, request):
        body = request.content.decode("utf-8", "replace") if request.content else ""
        if "octet-stream" in request.headers.get("content-type", ""):
            body = f"<{len(request.content)} bytes, {request.headers.get('content-range', 'no Content-Range')}>"
        self.exchanges.append({"request": f"{request.method} {request.url}", "body": body,
                               "status": None, "answer": ""})

    async def on_response(self, response):
        await response.aread()
        entry = self.exchanges[-1]
        entry["status"] = response.status_code
        entry["answer"] = (f"<{len(response.content)} bytes>"
                           if "octet-stream" in response.headers.get("content-type", "") else response.text)

    def last(self, limit=400, exchange=None):
        """The last exchange (or the one given), in one line."""
        if not self.exchanges:
            return "no request was sent"
        e = exchange or self.exchanges[-1]
        sent = e["request"] + (f" {clip(e['body'], limit // 2)}" if e["body"] else "")
        return f"[{sent} -> {e['status']} {clip(e['answer'], limit)}]"


def clip(text, limit):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def client_for(base_url, traffic, token=TOKEN):
    """A GraphServiceClient on base_url whose requests carry `Bearer token` (none when token is
    None), with the SDK's default middleware (retry, redirect, the /me rewrite, telemetry)."""

    class FixedToken(AccessTokenProvider):
        async def get_authorization_token(self, uri, additional_authentication_context={}):
            return token

        def get_allowed_hosts_validator(self):
            return AllowedHostsValidator([])  # empty: every host, http as well as https

    auth = (BaseBearerTokenAuthenticationProvider(FixedToken()) if token is not None
            else AnonymousAuthenticationProvider())
    http = httpx.AsyncClient(timeout=30, event_hooks={"request": [traffic.on_request],
                                                      "response": [traffic.on_response]})
    http = GraphClientFactory.create_with_default_middleware(client=http, options=graph_middleware_options)
    adapter = GraphRequestAdapter(auth, http)
    adapter.base_url = base_url
    return GraphServiceClient(request_adapter=adapter)


class SequencedBatchRequestItem(BatchRequestItem):
    """A batch request whose dependencies go out as `dependsOn`, the name Graph reads. msgraph-core
    (1.5) writes them as `depends_on`, which Graph ignores: the request then runs whatever became
    of the one it depends on (microsoftgraph/msgraph-sdk-python-core#996)."""

    def serialize(self, writer):
        depends_on, self._depends_on = self._depends_on, None  # None: the base writes no key
        try:
            super().serialize(writer)
        finally:
            self._depends_on = depends_on
        if depends_on:
            writer.write_collection_of_primitive_values("dependsOn", depends_on)


class InOrderUploadTask(LargeFileUploadTask):
    """msgraph-core's LargeFileUploadTask with an upload loop that follows nextExpectedRanges.
    Its own loop (msgraph-core 1.5) cannot finish a file of several chunks against Graph: it
    turns Graph's open range "327680-" into "327680--" and fails parsing it, and it sends the
    last chunk a second time after its chunk count runs out. The chunk requests themselves
    (next_chunk, last_chunk: PUT to uploadUrl with Content-Range, through the SDK's adapter) are
    the task's own."""

    async def upload(self, after_chunk_upload=None):
        """Sends the chunks in order, each starting where the previous answer's nextExpectedRanges
        says: (the item the last chunk created, the sessions the other chunks answered)."""
        self.stream.seek(0)
        start, sessions = 0, []
        while True:
            end = min(start + self.max_chunk_size, self.file_size) - 1
            self.next_range = f"{start}-{end}"
            if end == self.file_size - 1:
                return await self.last_chunk(self.stream), sessions
            session = await self.next_chunk(self.stream)
            sessions.append(session)
            ranges = session.next_expected_ranges if session else None
            if not ranges:
                return None, sessions
            start = int(str(ranges[0]).split("-")[0])


# --- Steps -----------------------------------------------------------------------------------

class StepFailed(Exception):
    pass


class Run:
    def __init__(self, base_url):
        self.base_url = base_url
        self.traffic = Traffic()
        self.graph = client_for(base_url, self.traffic)
        self.passed = 0
        self.failed = 0
        self.tag = uuid.uuid4().hex[:8]  # keeps names unique within one server
        self.user_id = None
        self.group_id = None

    def fail(self, why, exchange=None):
        """Ends the step with `why` and the exchange at fault (by default the last one)."""
        raise StepFailed(f"{why} {self.traffic.last(exchange=exchange)}")

    def check(self, condition, why, exchange=None):
        if not condition:
            self.fail(why, exchange)

    def need(self, *values):
        """Ends the step when an earlier step did not leave what it needs."""
        if any(v is None for v in values):
            raise StepFailed("not run: an earlier step did not create what this one needs")

    async def expect_error(self, call, status, code=None):
        """Awaits call, which must raise ODataError with this status (and error code)."""
        try:
            result = await call
        except ODataError as e:
            self.check(e.response_status_code == status,
                       f"expected ODataError {status}, got {e.response_status_code}")
            got = e.error.code if e.error else None
            self.check(code is None or got == code, f"expected error.code {code}, got {got}")
            return e
        except APIError as e:
            self.fail(f"expected ODataError {status}, got {type(e).__name__} "
                      f"{e.response_status_code} (the body did not parse as Graph's error)")
        self.fail(f"expected ODataError {status}, the call succeeded with {type(result).__name__}")

    async def step(self, name, body):
        try:
            await body()
        except StepFailed as e:
            self.failed += 1
            print(f"FAIL {name}: {e}", flush=True)
        except APIError as e:
            self.failed += 1
            print(f"FAIL {name}: {type(e).__name__} {e.response_status_code}: "
                  f"{clip(str(e), 200)} {self.traffic.last()}", flush=True)
        except Exception as e:
            self.failed += 1
            where = traceback.extract_tb(e.__traceback__)[-1]
            print(f"FAIL {name}: {type(e).__name__}: {clip(str(e), 200)} "
                  f"(at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}) {self.traffic.last()}",
                  flush=True)
        else:
            self.passed += 1
            print(f"PASS {name}", flush=True)

    # 1. A user's life: create, read, update, read again ($select); the signed-in user's default
    # property set.

    def new_user(self, name):
        nick = f"{name.lower().replace(' ', '')}{uuid.uuid4().hex[:6]}"
        return User(display_name=name, user_principal_name=f"{nick}@contoso.example",
                    mail_nickname=nick, account_enabled=True,
                    password_profile=PasswordProfile(password="Xq7!" + uuid.uuid4().hex,
                                                     force_change_password_next_sign_in=True))

    async def user_create(self):
        user = await self.graph.users.post(self.new_user(f"Adele {self.tag}"))
        self.check(user is not None and user.id, "the created user has no id")
        self.check(user.display_name == f"Adele {self.tag}", f"displayName came back as {user.display_name!r}")
        self.user_id = user.id
        self.created_user, self.created_exchange = user, self.traffic.exchanges[-1]

    async def user_password_write_only(self):
        # Graph never returns a password: not in the create response, not on a read.
        self.need(self.user_id)
        read = await self.graph.users.by_user_id(self.user_id).get()
        for what, user, exchange in (("create", self.created_user, self.created_exchange),
                                     ("read", read, None)):
            profile = user.password_profile
            self.check(profile is None or profile.password is None,
                       f"the {what} response returns passwordProfile.password "
                       "(Graph never returns it)", exchange)

    async def user_read(self):
        self.need(self.user_id)
        user = await self.graph.users.by_user_id(self.user_id).get()
        self.check(user.id == self.user_id, f"read back id {user.id!r}")
        self.check(user.display_name == f"Adele {self.tag}", f"read back displayName {user.display_name!r}")

    async def user_update(self):
        self.need(self.user_id)
        await self.graph.users.by_user_id(self.user_id).patch(User(display_name=f"Adele Vance {self.tag}"))

    @staticmethod
    def user_config(**query):
        return RequestConfiguration(
            query_parameters=UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(**query))

    async def user_read_updated(self):
        # mailNickname is not in a user's default property set: Graph answers it on $select only.
        self.need(self.user_id)
        user = await self.graph.users.by_user_id(self.user_id).get(
            self.user_config(select=["displayName", "mailNickname"]))
        self.check(user.display_name == f"Adele Vance {self.tag}", f"displayName is still {user.display_name!r}")
        self.check(user.mail_nickname is not None, "the update lost mailNickname")

    async def me_default_properties(self):
        # Without $select Graph answers a user's default property set: no birthday, never the
        # passwordProfile. A property outside it is answered when $select names it.
        me = await self.graph.me.get()
        exchange = self.traffic.exchanges[-1]
        for name, value in (("displayName", me.display_name), ("mail", me.mail),
                            ("userPrincipalName", me.user_principal_name)):
            self.check(isinstance(value, str) and value, f"/me has no {name} ({value!r})")
        self.check(isinstance(me.business_phones, list),
                   f"/me businessPhones is {me.business_phones!r}, not a list")
        raw = json.loads(exchange["answer"])
        for name in ("birthday", "passwordProfile"):
            self.check(name not in raw, f"/me without $select answers {name}, which is not in "
                                        "a user's default property set", exchange)
        await self.graph.me.get(self.user_config(select=["birthday"]))
        raw = json.loads(self.traffic.exchanges[-1]["answer"])
        self.check("birthday" in raw, "/me?$select=birthday does not answer birthday")

    # 2. Listing users: $filter, $select, $top, $count and $search with ConsistencyLevel, paging,
    # and delta in two rounds.

    def list_config(self, **query):
        config = RequestConfiguration(
            query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(**query))
        config.headers.add("ConsistencyLevel", "eventual")
        return config

    async def users_list_query(self):
        prefix = f"Query {self.tag}"
        for i in range(3):
            await self.graph.users.post(self.new_user(f"{prefix} {i}"))
        page = await self.graph.users.get(self.list_config(
            filter=f"startswith(displayName,'{prefix}')", select=["id", "displayName"],
            top=2, count=True))
        self.check(page.odata_count == 3, f"@odata.count is {page.odata_count}, 3 users match")
        self.check(len(page.value) == 2, f"$top=2 gave {len(page.value)} users")
        self.check(all(u.display_name.startswith(prefix) for u in page.value),
                   "a listed user does not match the $filter")
        self.check(all(u.user_principal_name is None for u in page.value),
                   "$select=id,displayName still returned userPrincipalName")
        self.check(page.odata_next_link, "no @odata.nextLink although $top=2 left one of 3 users")
        rest = await self.graph.users.with_url(page.odata_next_link).get()
        self.check([u.display_name for u in rest.value] == [f"{prefix} 2"]
                   or len(page.value) + len(rest.value) == 3,
                   f"the next page holds {[u.display_name for u in rest.value]}")
        self.check(rest.odata_next_link is None, "the last page still has @odata.nextLink")

    async def users_search(self):
        # users_list_query created "Query {tag} 0..2". $search on directory objects needs
        # ConsistencyLevel: eventual; without it Graph refuses the request.
        prefix = f"Query {self.tag}"
        search = f'"displayName:{prefix}"'
        found = await self.graph.users.get(self.list_config(search=search))
        names = sorted(u.display_name for u in found.value or [])
        self.check(names == [f"{prefix} {i}" for i in range(3)],
                   f"$search={search} found {names}, expected the 3 users {prefix} 0..2")
        await self.expect_error(self.graph.users.get(RequestConfiguration(
            query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(search=search))), 400)

    async def users_paging(self):
        prefix = f"Page {self.tag}"
        await asyncio.gather(*(self.graph.users.post(self.new_user(f"{prefix} {i:03}")) for i in range(105)))
        first = await self.graph.users.get(self.list_config(
            filter=f"startswith(displayName,'{prefix}')", select=["id", "displayName"]))
        self.check(first.odata_next_link, f"105 users, the first page has {len(first.value)} "
                                          "and no @odata.nextLink (Graph pages users by 100)")
        names = []
        iterator = PageIterator(first, self.graph.request_adapter)
        # PageIterator.set_headers passes the dict as keywords, which HeadersCollection.add_all
        # refuses: add the header to the iterator's collection directly.
        iterator.headers.add("ConsistencyLevel", "eventual")
        await iterator.iterate(lambda user: names.append(user.display_name) or True)
        self.check(sorted(names) == [f"{prefix} {i:03}" for i in range(105)],
                   f"paging gave {len(names)} users ({len(set(names))} distinct), expected 105")

    async def delta_round(self, page):
        """Follows a delta round's @odata.nextLink pages to the one carrying @odata.deltaLink:
        (the users of the round, the delta link)."""
        users = list(page.value or [])
        for _ in range(1000):
            if page.odata_delta_link:
                return users, page.odata_delta_link
            self.check(page.odata_next_link, "a delta page has neither @odata.nextLink nor @odata.deltaLink")
            page = await self.graph.users.delta.with_url(page.odata_next_link).get()
            users += page.value or []
        self.fail("1000 delta pages and still no @odata.deltaLink")

    async def users_delta(self):
        first, link = await self.delta_round(await self.graph.users.delta.get())
        self.check(first, "the first delta round returned no users")
        new_id = None
        try:
            user = await self.graph.users.post(self.new_user(f"Delta {self.tag}"))
            self.check(user is not None and user.id, "the created user has no id")
            new_id = user.id
            second, _ = await self.delta_round(await self.graph.users.delta.with_url(link).get())
            ids = [u.id for u in second]
            self.check(new_id in ids, f"the second delta round lists {len(ids)} users, "
                                      f"not the user {new_id} created after the first round")
        finally:
            if new_id:
                try:
                    await self.graph.users.by_user_id(new_id).delete()
                except Exception:  # best effort: the check above says what went wrong
                    pass

    # 3. A group and its membership by $ref, and by $expand.

    async def group_create(self):
        group = await self.graph.groups.post(Group(
            display_name=f"Sales {self.tag}", mail_nickname=f"sales{self.tag}", mail_enabled=True,
            security_enabled=False, group_types=["Unified"], description="Sales and marketing"))
        self.check(group is not None and group.id, "the created group has no id")
        self.group_id = group.id

    async def group_member_add(self):
        self.need(self.user_id, self.group_id)
        await self.graph.groups.by_group_id(self.group_id).members.ref.post(
            ReferenceCreate(odata_id=f"{self.base_url}/directoryObjects/{self.user_id}"))

    async def group_members_list(self):
        self.need(self.user_id, self.group_id)
        members = await self.graph.groups.by_group_id(self.group_id).members.get()
        ids = [m.id for m in members.value]
        self.check(ids == [self.user_id], f"members are {ids}, expected the user alone")
        self.check(type(members.value[0]).__name__ == "User",
                   f"the member parsed as {type(members.value[0]).__name__}, not User "
                   "(@odata.type says which kind of directoryObject it is)")

    async def group_expand_members(self):
        self.need(self.user_id, self.group_id)
        group = await self.graph.groups.by_group_id(self.group_id).get(RequestConfiguration(
            query_parameters=GroupItemRequestBuilder.GroupItemRequestBuilderGetQueryParameters(
                expand=["members"])))
        ids = [m.id for m in group.members or []]
        self.check(self.user_id in ids, f"$expand=members gave members {ids}, expected the user "
                                        f"{self.user_id} among them")

    async def group_member_remove(self):
        self.need(self.user_id, self.group_id)
        await self.graph.groups.by_group_id(self.group_id).members.by_directory_object_id(self.user_id).ref.delete()
        members = await self.graph.groups.by_group_id(self.group_id).members.get()
        self.check(not members.value, f"after the $ref delete the members are {[m.id for m in members.value]}")

    # 4. A group conversation by deep insert: conversation, thread and post in one POST.

    async def group_conversation_create(self):
        self.need(self.group_id)
        conversation = await self.graph.groups.by_group_id(self.group_id).conversations.post(Conversation(
            topic=f"Launch {self.tag}",
            threads=[ConversationThread(posts=[Post(body=ItemBody(
                content_type=BodyType.Html, content="<p>The launch is on Friday.</p>"))])]))
        self.check(conversation is not None and conversation.id, "the created conversation has no id")
        self.conversation_id = conversation.id

    async def group_conversation_threads(self):
        self.need(self.group_id, getattr(self, "conversation_id", None))
        conversation = self.graph.groups.by_group_id(self.group_id).conversations.by_conversation_id(
            self.conversation_id)
        threads = await conversation.threads.get()
        self.check(len(threads.value) == 1, f"the conversation has {len(threads.value)} threads, expected 1")
        self.thread_id = threads.value[0].id
        posts = await conversation.threads.by_conversation_thread_id(self.thread_id).posts.get()
        self.check(len(posts.value) == 1 and "Friday" in (posts.value[0].body.content or ""),
                   f"the thread's posts are {[p.body and p.body.content for p in posts.value]}")

    async def group_threads(self):
        # A group's threads are its conversations' threads, under /groups/{id}/threads too.
        self.need(self.group_id, getattr(self, "thread_id", None))
        threads = await self.graph.groups.by_group_id(self.group_id).threads.get()
        self.check([t.id for t in threads.value] == [self.thread_id],
                   f"/groups/{{id}}/threads lists {[t.id for t in threads.value]}, "
                   f"expected the conversation's thread {self.thread_id}")

    # 5. Mail: create a message, read it, delete it, and it is gone.

    async def message_lifecycle(self):
        messages = self.graph.me.messages
        message = await messages.post(Message(
            subject=f"Quarterly report {self.tag}",
            body=ItemBody(content_type=BodyType.Text, content="Attached."),
            to_recipients=[Recipient(email_address=EmailAddress(address="alex@contoso.example"))]))
        self.check(message is not None and message.id, "the created message has no id")
        read = await messages.by_message_id(message.id).get()
        self.check(read.subject == f"Quarterly report {self.tag}", f"read back subject {read.subject!r}")
        self.check(read.to_recipients and read.to_recipients[0].email_address.address == "alex@contoso.example",
                   "the recipient did not come back")
        await messages.by_message_id(message.id).delete()
        self.message_id = message.id

    async def message_gone(self):
        self.need(getattr(self, "message_id", None))
        await self.expect_error(self.graph.me.messages.by_message_id(self.message_id).get(), 404)

    # 6. Calendar and To Do.

    async def event_create(self):
        start = datetime.datetime(2030, 5, 6, 9, 0)
        event = await self.graph.me.events.post(Event(
            subject=f"Planning {self.tag}",
            start=DateTimeTimeZone(date_time=start.isoformat(), time_zone="UTC"),
            end=DateTimeTimeZone(date_time=(start + datetime.timedelta(hours=1)).isoformat(), time_zone="UTC")))
        self.check(event is not None and event.id, "the created event has no id")
        read = await self.graph.me.events.by_event_id(event.id).get()
        self.check(read.subject == f"Planning {self.tag}", f"read back subject {read.subject!r}")
        self.check(read.start and read.start.date_time.startswith("2030-05-06T09:00"),
                   f"read back start {read.start and read.start.date_time!r}")

    async def todo_create(self):
        todo_list = await self.graph.me.todo.lists.post(TodoTaskList(display_name=f"Errands {self.tag}"))
        self.check(todo_list is not None and todo_list.id, "the created To Do list has no id")
        tasks = self.graph.me.todo.lists.by_todo_task_list_id(todo_list.id).tasks
        task = await tasks.post(TodoTask(title="Buy milk"))
        self.check(task is not None and task.id, "the created task has no id")
        listed = await tasks.get()
        self.check([t.title for t in listed.value] == ["Buy milk"],
                   f"the list's tasks are {[t.title for t in listed.value]}")

    # 6b. OneDrive: a resumable upload in several chunks, read back.

    async def drive_resumable_upload(self):
        drive = await self.graph.me.drive.get()
        self.check(drive is not None and drive.id, "the signed-in user's drive has no id")
        name = f"sdk-{self.tag}.bin"
        item = self.graph.drives.by_drive_id(drive.id).items.by_drive_item_id(f"root:/{name}:")
        session = await item.create_upload_session.post(CreateUploadSessionPostRequestBody(
            item=DriveItemUploadableProperties(
                name=name, additional_data={"@microsoft.graph.conflictBehavior": "rename"})))
        self.check(session is not None and session.upload_url, "the upload session has no uploadUrl")
        self.check(session.expiration_date_time, "the upload session has no expirationDateTime")
        self.check(session.next_expected_ranges, "the upload session has no nextExpectedRanges")
        data = bytes(i * 7 % 251 for i in range(700 * 1024))
        task = InOrderUploadTask(session, self.graph.request_adapter, io.BytesIO(data), DriveItem,
                                 max_chunk_size=327680)  # 320 KiB: three chunks
        self.check(not task.upload_session_expired(),
                   f"the upload session expired already ({session.expiration_date_time})")
        uploaded, sessions = await task.upload()
        # Each chunk but the last answers 202 with the range still missing, which starts where
        # the chunk ended; the last one answers the item.
        answered = [s.next_expected_ranges for s in sessions]
        self.check([str(r[0]).split("-")[0] for r in answered if r] == ["327680", "655360"],
                   f"the first two chunks answered nextExpectedRanges {answered}, expected "
                   "['327680-'] and ['655360-']")
        self.check(isinstance(uploaded, DriveItem) and uploaded.id,
                   "the last chunk did not answer the created item with an id")
        content = await item.content.get()
        self.check(content == data, f"the content read back is {len(content or b'')} bytes, "
                                    f"{'the' if len(content or b'') == len(data) else 'not the'} "
                                    f"{len(data)} uploaded{' but different' if len(content or b'') == len(data) else ''}")

    # 7. Bound actions that return a value.

    async def action_check_member_groups(self):
        self.need(self.user_id, self.group_id)
        await self.graph.groups.by_group_id(self.group_id).members.ref.post(
            ReferenceCreate(odata_id=f"{self.base_url}/directoryObjects/{self.user_id}"))
        members = await self.graph.groups.by_group_id(self.group_id).members.get()
        self.check([m.id for m in members.value] == [self.user_id], "the user is not a member again")
        other = str(uuid.uuid4())
        result = await self.graph.users.by_user_id(self.user_id).check_member_groups.post(
            CheckMemberGroupsPostRequestBody(group_ids=[self.group_id, other]))
        self.check(result is not None and result.value == [self.group_id],
                   f"the user is listed among the group's members, yet checkMemberGroups "
                   f"gave {result and result.value}, expected the group alone")

    async def action_get_member_groups(self):
        self.need(self.user_id, self.group_id)
        try:
            result = await self.graph.directory_objects.by_directory_object_id(self.user_id).get_member_groups.post(
                GetMemberGroupsPostRequestBody(security_enabled_only=False))
        except ODataError as e:
            # A user is a directoryObject: Graph resolves /directoryObjects/{id} to it.
            self.fail(f"/directoryObjects/{{user id}} answered {e.response_status_code} "
                      f"{e.error and e.error.code}: the user is not found as a directoryObject")
        self.check(result is not None and self.group_id in (result.value or []),
                   f"getMemberGroups gave {result and result.value}, expected the group among them")

    # 7b. JSON batching, through the SDK's own batch client: two reads in one request, and a
    # request that depends on a failed one.

    async def batch_reads(self):
        self.need(self.user_id, self.group_id)
        content = BatchRequestContent()
        user = BatchRequestItem(
            request_information=self.graph.users.by_user_id(self.user_id).to_get_request_information(),
            id="user")
        group = BatchRequestItem(
            request_information=self.graph.groups.by_group_id(self.group_id).to_get_request_information(),
            id="group", depends_on=["user"])
        content.add_request("user", user)
        content.add_request("group", group)
        answered = await self.graph.batch.post(batch_request_content=content)
        statuses = answered.get_response_status_codes()
        self.check(statuses == {"user": 200, "group": 200},
                   f"the batch answered {statuses}, expected both reads 200")
        # The SDK reads a batched body only as base64 (`response_body` fails on the inline JSON
        # Graph answers with), so the status codes are what is judged here.

    async def batch_depends_on_failure(self):
        # A request that depends on a failed one is not run: Graph answers it 424 Failed Dependency.
        content = BatchRequestContent()
        missing = SequencedBatchRequestItem(
            request_information=self.graph.users.by_user_id(str(uuid.uuid4())).to_get_request_information(),
            id="missing")
        after = SequencedBatchRequestItem(
            request_information=self.graph.users.to_get_request_information(),
            id="after", depends_on=["missing"])
        content.add_request("missing", missing)
        content.add_request("after", after)
        answered = await self.graph.batch.post(batch_request_content=content)
        statuses = answered.get_response_status_codes()
        self.check(statuses == {"missing": 404, "after": 424},
                   f"the batch answered {statuses}, expected the missing user 404 and the request "
                   "depending on it 424")

    # 8. No token.

    async def unauthenticated(self):
        anonymous = client_for(self.base_url, self.traffic, token=None)
        error = await self.expect_error(anonymous.users.get(), 401, "InvalidAuthenticationToken")
        self.check(error.error.message, "the error has no message")

    # 9. Deletes.

    async def user_delete(self):
        self.need(self.user_id)
        await self.graph.users.by_user_id(self.user_id).delete()
        await self.expect_error(self.graph.users.by_user_id(self.user_id).get(), 404, "Request_ResourceNotFound")

    async def group_delete(self):
        self.need(self.group_id)
        await self.graph.groups.by_group_id(self.group_id).delete()
        await self.expect_error(self.graph.groups.by_group_id(self.group_id).get(), 404, "Request_ResourceNotFound")

    async def all(self):
        steps = [
            ("user-create", self.user_create),
            ("user-read", self.user_read),
            ("user-password-write-only", self.user_password_write_only),
            ("user-update", self.user_update),
            ("user-read-updated", self.user_read_updated),
            ("me-default-properties", self.me_default_properties),
            ("users-list-query", self.users_list_query),
            ("users-search", self.users_search),
            ("users-paging", self.users_paging),
            ("users-delta-two-rounds", self.users_delta),
            ("group-create", self.group_create),
            ("group-member-add-ref", self.group_member_add),
            ("group-members-list", self.group_members_list),
            ("group-expand-members", self.group_expand_members),
            ("group-member-remove-ref", self.group_member_remove),
            ("group-conversation-deep-insert", self.group_conversation_create),
            ("group-conversation-threads", self.group_conversation_threads),
            ("group-threads", self.group_threads),
            ("message-create-read-delete", self.message_lifecycle),
            ("message-read-after-delete-404", self.message_gone),
            ("event-create", self.event_create),
            ("todo-list-and-task", self.todo_create),
            ("drive-resumable-upload", self.drive_resumable_upload),
            ("action-check-member-groups", self.action_check_member_groups),
            ("action-get-member-groups", self.action_get_member_groups),
            ("batch-reads", self.batch_reads),
            ("batch-depends-on-failure", self.batch_depends_on_failure),
            ("unauthenticated-401", self.unauthenticated),
            ("user-delete-404", self.user_delete),
            ("group-delete-404", self.group_delete),
        ]
        for name, body in steps:
            await self.step(name, body)
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 0 if self.failed == 0 else 1


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    return asyncio.run(Run(sys.argv[1].rstrip("/")).all())


if __name__ == "__main__":
    sys.exit(main())
